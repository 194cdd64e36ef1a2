#include "server/api/media.h"

#include "absl/strings/match.h"

namespace jumio_gateway::api {

MediaType DetectMediaType(absl::string_view bytes) {
  if (absl::StartsWith(bytes, absl::string_view("\xFF\xD8\xFF", 3))) {
    return MediaType::kJpeg;
  }
  if (absl::StartsWith(bytes, absl::string_view("\x89PNG\r\n\x1A\n", 8))) {
    return MediaType::kPng;
  }
  if (absl::StartsWith(bytes, "%PDF-")) return MediaType::kPdf;
  return MediaType::kUnknown;
}

std::string MimeType(MediaType type) {
  switch (type) {
    case MediaType::kJpeg:
      return "image/jpeg";
    case MediaType::kPng:
      return "image/png";
    case MediaType::kPdf:
      return "application/pdf";
    case MediaType::kUnknown:
      return "";
  }
  return "";
}

}  // namespace jumio_gateway::api
