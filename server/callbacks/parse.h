// Jumio's callback body (JSON) -> the Callback proto. Strict about what the
// gateway relies on (ids, status, account), tolerant about everything else:
// unknown members are kept in raw_body, an unknown status keeps its raw
// string.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"

namespace jumio_gateway::callbacks {

enum class ParseFailure {
  kNone,
  kMalformedJson,  // not JSON at all
  kInvalidShape,   // JSON, but not a callback we can route and verify
};

struct ParsedCallback {
  ParseFailure failure = ParseFailure::kNone;
  std::string error;  // what was wrong (no values from the body)
  ::jumio::gateway::v1::Callback callback;
  // True when the region came from the hrefs (retrieval.<region>.jumio.ai),
  // false when `default_region` was used.
  bool region_from_href = false;
};

// `receive_time` becomes Callback.receive_time.
ParsedCallback ParseCallback(absl::string_view body,
                             ::jumio::gateway::v1::Region default_region,
                             absl::Time receive_time);

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_PARSE_H_
