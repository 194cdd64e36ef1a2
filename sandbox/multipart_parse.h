// A strict, bounded multipart/form-data reader (RFC 7578 over RFC 2046) for
// the sandbox's part uploads. One pass over the body, no recursion (nested
// multipart parts are returned as opaque bytes), every loop bounded by the
// input and by MultipartLimits, so that a fuzz target may call it with any
// bytes.
#ifndef JUMIO_GATEWAY_SANDBOX_MULTIPART_PARSE_H_
#define JUMIO_GATEWAY_SANDBOX_MULTIPART_PARSE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio::sandbox {

struct MultipartLimits {
  // Body parts in one message; more is refused.
  size_t max_parts = 16;
  // Bytes of one part's header block (every header line with its CRLF, and
  // the empty line that ends the block).
  size_t max_header_bytes = 8 * 1024;
};

struct MultipartPart {
  std::string name;          // Content-Disposition name parameter
  std::string filename;      // Content-Disposition filename, "" when absent
  std::string content_type;  // the part's Content-Type value, "" when absent
  // Every header of the part in order, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  // The part's content: a view into the `body` passed to ParseMultipart, valid
  // as long as that body is.
  absl::string_view data;
};

// True when `content_type` names multipart/form-data (parameters ignored).
bool IsMultipartFormData(absl::string_view content_type);

// The boundary parameter of a multipart/form-data Content-Type: 1 to 70
// characters of RFC 2046 bchars, not ending in a space, as a token or a
// quoted-string. InvalidArgument for any other media type or parameter syntax.
absl::StatusOr<std::string> MultipartBoundary(absl::string_view content_type);

// Splits a multipart/form-data body into its parts. Strict: CRLF line ends,
// a delimiter line is the boundary followed only by optional spaces or tabs,
// the close delimiter must be present, every part has a Content-Disposition
// of form-data with a name, headers are "name: value" without folding or
// control characters. A preamble before the first delimiter and an epilogue
// after the last are ignored, as RFC 2046 says. Errors are InvalidArgument
// and never quote the input.
absl::StatusOr<std::vector<MultipartPart>> ParseMultipart(
    absl::string_view content_type, absl::string_view body,
    const MultipartLimits& limits = {});

// The first part named `name`, or nullptr.
const MultipartPart* FindPart(const std::vector<MultipartPart>& parts,
                              absl::string_view name);

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_MULTIPART_PARSE_H_
