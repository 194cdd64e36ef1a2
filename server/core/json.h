// The one JSON parser of the project. Every JSON document the gateway, the
// sandbox or the client reads (Jumio responses, token responses, callback
// bodies, the config file, sandbox requests) goes through ParseJson, so that
// no endpoint can be made to recurse, or to keep invalid UTF-8, on hostile
// input.
//
// Guarantees:
// - No recursion on the input: RapidJSON's iterative parser
//   (kParseIterativeFlag) feeds the document through a SAX handler that
//   counts nesting and stops as soon as it goes beyond `max_depth`.
// - Bounded size: inputs longer than `max_bytes` are refused before parsing.
// - Valid UTF-8 only (kParseValidateEncodingFlag), one value per text, no
//   NUL bytes outside of escapes ("\u0000" inside a string is JSON and kept).
// - Errors name what is wrong and the byte offset, never the input.
//
// What the depth bound buys downstream: RapidJSON's Value destructor does not
// recurse with the document's default MemoryPoolAllocator (kNeedFree is
// false), while Value::Accept (the Writer), CopyFrom and operator== do
// recurse, one frame per level: with at most kMaxJsonDepth levels they are
// safe on any thread. Conversions to protobuf (codec/json_util.h) use the same
// constant.
#ifndef JUMIO_GATEWAY_SERVER_CORE_JSON_H_
#define JUMIO_GATEWAY_SERVER_CORE_JSON_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace jumio_gateway::core {

// Deepest nesting of arrays and objects accepted anywhere in the project:
// `[]` and `{}` are depth 1, `[[]]` depth 2. Jumio's documents nest a handful
// of levels.
inline constexpr int kMaxJsonDepth = 64;

// Default largest JSON text accepted, in bytes. Callers with a smaller
// natural bound (callback bodies, sandbox requests) pass their own.
inline constexpr size_t kDefaultMaxJsonBytes = size_t{32} << 20;

struct JsonLimits {
  int max_depth = kMaxJsonDepth;
  size_t max_bytes = kDefaultMaxJsonBytes;
};

// Parses `text` into `doc` (replacing its contents on success). Errors are
// INVALID_ARGUMENT with a message such as
//   "JSON nesting deeper than 64 at byte 64"
//   "invalid JSON: Invalid encoding in string. at byte 12"
//   "JSON text of 40000000 bytes is larger than 33554432"
// that callers wrap in their own error contract. `doc` is left empty (null)
// on error.
absl::Status ParseJson(absl::string_view text, rapidjson::Document* doc,
                       JsonLimits limits = {});

// Same checks without building a document: OK when ParseJson would accept
// `text`.
absl::Status ValidateJson(absl::string_view text, JsonLimits limits = {});

// Whether `text` is valid UTF-8: no overlong forms, surrogates or code points
// beyond U+10FFFF. Every string ParseJson accepts passes.
bool IsValidUtf8(absl::string_view text);

// For JSON whose numbers must survive conversion to a double
// (google.protobuf.Value) unchanged: OK when every number in `text` denotes
// exactly the value of the double nearest to it, written shortest (so 0.1,
// 1e300 and 9007199254740992 pass; 9007199254740993,
// 12345678901234567890123 and 0.30000000000000000001 do not).
// INVALID_ARGUMENT naming the byte offset otherwise, or when ParseJson would
// refuse `text`.
absl::Status CheckJsonNumbersExact(absl::string_view text,
                                   JsonLimits limits = {});

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_JSON_H_
