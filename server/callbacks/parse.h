// Jumio's callback body (JSON) -> the Callback proto. Strict about what the
// gateway relies on (ids, status, account), tolerant about everything else:
// unknown members are kept in raw_body, an unknown status keeps its raw
// string.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"

namespace jumio_gateway::callbacks {

enum class ParseFailure {
  kNone,
  kMalformedJson,  // not JSON at all
  kInvalidShape,   // JSON, but not a callback we can route and verify
  // A callback, but one that could not be stored and read back exactly:
  // invalid UTF-8, duplicate member names, a number a double cannot hold, or
  // nesting the stored form (protobuf, 100 levels) cannot be read back from.
  // Refused before storage, because a stored callback that cannot be read
  // back would also block the genuine one as a duplicate.
  kUnstorable,
};

struct ParsedCallback {
  ParseFailure failure = ParseFailure::kNone;
  std::string error;  // what was wrong (no values from the body)
  ::jumio::gateway::v1::Callback callback;
  // True when the region came from the hrefs (retrieval.<region>.jumio.ai),
  // false when `default_region` was used.
  bool region_from_href = false;
};

// OK when `callback`, stored as the logs store it (serialized without cursor
// and enrichment), reads back equal to itself; INVALID_ARGUMENT saying why
// not (no values) otherwise.
absl::Status CheckStorable(const ::jumio::gateway::v1::Callback& callback);

// `receive_time` becomes Callback.receive_time.
ParsedCallback ParseCallback(absl::string_view body,
                             ::jumio::gateway::v1::Region default_region,
                             absl::Time receive_time);

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_
