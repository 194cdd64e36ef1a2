#include "server/jumio/multipart.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace jumio_gateway::jumio {
namespace {

// Quotes and line breaks would break the Content-Disposition header; the name
// is ours anyway.
std::string SafeFilename(absl::string_view filename) {
  std::string safe;
  for (char c : filename) {
    safe.push_back((c == '"' || c == '\r' || c == '\n' || c == '\\') ? '_' : c);
  }
  return safe.empty() ? "upload" : safe;
}

}  // namespace

std::string RandomBoundaryToken() {
  absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
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
