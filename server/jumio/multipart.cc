#include "server/jumio/multipart.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace jumio_gateway::jumio {
namespace {

// The filename is the caller's: quotes, backslashes and control characters
// (line breaks, NUL, ...) would break the quoted-string of the
// Content-Disposition header (RFC 7230 qdtext), so they become '_'. Found by
// tests/fuzz/multipart_fuzzer.
std::string SafeFilename(absl::string_view filename) {
  std::string safe;
  for (char c : filename) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool control = (u < 0x20 && c != '\t') || u == 0x7F;
    safe.push_back((control || c == '"' || c == '\\') ? '_' : c);
  }
  return safe.empty() ? "upload" : safe;
}

}  // namespace

std::string RandomBoundaryToken() {
  absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

bool CordContains(const absl::Cord& haystack, absl::string_view needle) {
  if (needle.empty()) return true;
  if (absl::optional<absl::string_view> flat = haystack.TryFlat()) {
    return flat->find(needle) != absl::string_view::npos;
  }
  // The last needle.size() - 1 bytes seen, so that a match spanning chunks is
  // found in carry + the next chunk's head.
  std::string carry;
  for (absl::string_view chunk : haystack.Chunks()) {
    if (!carry.empty()) {
      std::string joint =
          carry + std::string(chunk.substr(0, needle.size() - 1));
      if (absl::string_view(joint).find(needle) != absl::string_view::npos) {
        return true;
      }
    }
    if (chunk.find(needle) != absl::string_view::npos) return true;
    if (chunk.size() >= needle.size() - 1) {
      carry = std::string(chunk.substr(chunk.size() - (needle.size() - 1)));
    } else {
      carry += std::string(chunk);
      if (carry.size() > needle.size() - 1) {
        carry.erase(0, carry.size() - (needle.size() - 1));
      }
    }
  }
  return false;
}

MultipartCord BuildFileUploadCord(
    absl::string_view field_name, absl::string_view filename,
    absl::string_view content_type, const absl::Cord& content,
    const std::function<std::string()>& random_token) {
  std::string boundary;
  do {
    boundary = absl::StrCat("----jumio-gateway-", random_token());
  } while (CordContains(content, boundary));
  MultipartCord result;
  result.content_type =
      absl::StrCat("multipart/form-data; boundary=", boundary);
  result.body.Append(absl::StrCat(
      "--", boundary, "\r\n", "Content-Disposition: form-data; name=\"",
      field_name, "\"; filename=\"", SafeFilename(filename), "\"\r\n",
      "Content-Type: ", content_type, "\r\n\r\n"));
  result.body.Append(content);
  result.body.Append(absl::StrCat("\r\n--", boundary, "--\r\n"));
  return result;
}

MultipartBody BuildFileUpload(
    absl::string_view field_name, absl::string_view filename,
    absl::string_view content_type, absl::string_view content,
    const std::function<std::string()>& random_token) {
  std::string boundary;
  do {
    boundary = absl::StrCat("----jumio-gateway-", random_token());
  } while (content.find(boundary) != absl::string_view::npos);

  MultipartBody result;
  result.content_type =
      absl::StrCat("multipart/form-data; boundary=", boundary);
  result.body.reserve(content.size() + 256);
  absl::StrAppend(&result.body, "--", boundary, "\r\n",
                  "Content-Disposition: form-data; name=\"", field_name,
                  "\"; filename=\"", SafeFilename(filename), "\"\r\n",
                  "Content-Type: ", content_type, "\r\n\r\n");
  result.body.append(content.data(), content.size());
  absl::StrAppend(&result.body, "\r\n--", boundary, "--\r\n");
  return result;
}

}  // namespace jumio_gateway::jumio
