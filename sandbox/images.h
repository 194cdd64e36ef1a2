// Reads just enough of an uploaded image to enforce Jumio's upload rules (JPEG
// or PNG, at most 8000 x 8000 pixels) without decoding it.
#ifndef JUMIO_GATEWAY_SANDBOX_IMAGES_H_
#define JUMIO_GATEWAY_SANDBOX_IMAGES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio::sandbox {

struct ImageInfo {
  std::string content_type;  // "image/jpeg" or "image/png"
  uint32_t width = 0;
  uint32_t height = 0;
};

inline constexpr uint32_t kMaxImageSide = 8000;

// Identifies the format from the magic bytes and reads the dimensions from the
// PNG IHDR chunk or the first JPEG SOFn segment. InvalidArgument for anything
// else or a header that is cut short.
absl::StatusOr<ImageInfo> InspectImage(absl::string_view bytes);

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_IMAGES_H_
