#include "sandbox/images.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jumio::sandbox {
namespace {

uint32_t Be16(absl::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 8) |
         static_cast<uint8_t>(b[at + 1]);
}

uint32_t Be32(absl::string_view b, size_t at) {
  return (Be16(b, at) << 16) | Be16(b, at + 2);
}

absl::StatusOr<ImageInfo> InspectPng(absl::string_view b) {
  // Signature (8) + chunk length (4) + "IHDR" (4) + width (4) + height (4).
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") {
    return absl::InvalidArgumentError("PNG image has no IHDR header");
  }
  ImageInfo info{"image/png", Be32(b, 16), Be32(b, 20)};
  if (info.width == 0 || info.height == 0) {
    return absl::InvalidArgumentError("PNG image has zero width or height");
  }
  return info;
}

bool IsSof(uint8_t m) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

absl::StatusOr<ImageInfo> InspectJpeg(absl::string_view b) {
  size_t i = 2;
  while (i < b.size()) {
    if (static_cast<uint8_t>(b[i]) != 0xFF) {
      return absl::InvalidArgumentError(
          "JPEG image has a corrupt segment header");
    }
    while (i < b.size() && static_cast<uint8_t>(b[i]) == 0xFF)
      ++i;  // fill bytes
    if (i >= b.size()) break;
    const uint8_t marker = static_cast<uint8_t>(b[i++]);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
      continue;  // no payload
    if (marker == 0xD9 || marker == 0xDA)
      break;  // end of image / scan data before any SOF
    if (i + 2 > b.size()) break;
    const uint32_t len = Be16(b, i);
    if (len < 2)
      return absl::InvalidArgumentError(
          "JPEG image has a corrupt segment length");
    if (IsSof(marker)) {
      if (i + 7 > b.size()) break;
      ImageInfo info{"image/jpeg", Be16(b, i + 5), Be16(b, i + 3)};
      if (info.width == 0 || info.height == 0) {
        return absl::InvalidArgumentError(
            "JPEG image has zero width or height");
      }
      return info;
    }
    i += len;
  }
  return absl::InvalidArgumentError("JPEG image has no frame header (SOF)");
}

}  // namespace

absl::StatusOr<ImageInfo> InspectImage(absl::string_view bytes) {
  static constexpr absl::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() >= 8 && bytes.substr(0, 8) == kPngMagic)
    return InspectPng(bytes);
  if (bytes.size() >= 3 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
      static_cast<uint8_t>(bytes[1]) == 0xD8 &&
      static_cast<uint8_t>(bytes[2]) == 0xFF) {
    return InspectJpeg(bytes);
  }
  return absl::InvalidArgumentError("file is neither a JPEG nor a PNG image");
}

}  // namespace jumio::sandbox
