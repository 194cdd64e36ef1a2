// Jumio's error bodies (400, 429 and friends). Their shape is not documented
// beyond the 429 sample ({"title", "status", "detail"}), so the reader looks
// in the usual places and never fails.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ERROR_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ERROR_CODEC_H_

#include <string>

#include "absl/strings/string_view.h"

namespace jumio_gateway::codec {

// What can safely be passed on from an error body. Every string is already
// sanitised (see ReadUpstreamError) and may be empty.
struct UpstreamErrorBody {
  // A human-readable explanation, at most 200 printable ASCII characters, with
  // quoted text, e-mail-like words and long digit runs replaced by
  // "<redacted>" (Jumio may echo the rejected value, which can be personal
  // data or a secret).
  std::string message;
  // The name or path of the JSON field Jumio rejected, e.g.
  // "workflowDefinition.key": only [A-Za-z0-9_.[]-], at most 100 characters.
  std::string field;
  // Jumio's own error code ("code"/"errorCode"), at most 32 of [A-Za-z0-9_.-].
  std::string code;
  // The HTTP status the body states ("status"), 0 if none.
  int status = 0;
};

// Reads message, field, code and status from `body`, looking at "message",
// "detail", "error_description", "errorMessage", "error" (string or object),
// "title", and the first item of an "errors" array ("message", "field",
// "fieldName", "path", "parameter"). A body that is not JSON yields an empty
// result: the HTTP status alone must then explain the error.
UpstreamErrorBody ReadUpstreamError(absl::string_view body);

// The sanitiser ReadUpstreamError applies to messages, for other callers that
// must pass on upstream text.
std::string SanitizeUpstreamText(absl::string_view text);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ERROR_CODEC_H_
