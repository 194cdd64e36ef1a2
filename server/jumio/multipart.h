// multipart/form-data bodies for Jumio part uploads: one part named "file", as
// Jumio's upload API expects. The boundary is random per body and checked not
// to occur in the content.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_MULTIPART_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_MULTIPART_H_

#include <functional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::jumio {

struct MultipartBody {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::string body;
};

// `random_token` supplies boundary material (injectable so tests are
// deterministic).
MultipartBody BuildFileUpload(absl::string_view field_name,
                              absl::string_view filename,
                              absl::string_view content_type,
                              absl::string_view content,
                              const std::function<std::string()>& random_token);

// The same body as a Cord that shares `content` instead of copying it: the
// multipart framing is two small pieces around the caller's bytes, so an
// upload costs its own size in memory once, not twice.
struct MultipartCord {
  std::string content_type;
  absl::Cord body;
};
MultipartCord BuildFileUploadCord(
    absl::string_view field_name, absl::string_view filename,
    absl::string_view content_type, const absl::Cord& content,
    const std::function<std::string()>& random_token);

// Whether `needle` (non-empty) occurs in `haystack`, also across the Cord's
// chunk boundaries.
bool CordContains(const absl::Cord& haystack, absl::string_view needle);

// A random 32-hex-digit token from the OS's generator.
std::string RandomBoundaryToken();

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_MULTIPART_H_
