// What an upload really is, from its first bytes: callers' content types are
// hints, and nothing that is not a JPEG, PNG or PDF may reach Jumio.
#ifndef JUMIO_GATEWAY_SERVER_API_MEDIA_H_
#define JUMIO_GATEWAY_SERVER_API_MEDIA_H_

#include <string>

#include "absl/strings/string_view.h"

namespace jumio_gateway::api {

enum class MediaType { kUnknown, kJpeg, kPng, kPdf };

MediaType DetectMediaType(absl::string_view bytes);

// "image/jpeg", "image/png", "application/pdf"; empty for kUnknown.
std::string MimeType(MediaType type);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_MEDIA_H_
