// Checks for caller-provided values that the gateway sends on to Jumio in an
// HTTP header (today: a credential's api.token as "Authorization: Bearer
// <token>"). libcurl would refuse a value with CR, LF or NUL only when the
// request is sent, and that surfaced as UNAVAILABLE with RetryInfo; anything
// else it would forward, however long. These checks run at the edge instead,
// so a bad value is INVALID_ARGUMENT naming its field and nothing is sent.
#ifndef JUMIO_GATEWAY_SERVER_API_HEADER_VALUES_H_
#define JUMIO_GATEWAY_SERVER_API_HEADER_VALUES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::api {

// Longest token accepted. Jumio's api.token values are JWTs of well under
// 2 KB; 4096 bytes leaves room while keeping every header far below the 8 KB
// that common HTTP servers and proxies accept for one header line.
inline constexpr size_t kMaxTokenBytes = 4096;

// OK when `value` is 1 to kMaxTokenBytes bytes of visible ASCII (0x21 to
// 0x7E: no space, no control character, nothing beyond ASCII), as a bearer
// token (RFC 6750 b64token) or a JWT is; otherwise INVALID_ARGUMENT with a
// BadRequest violation for `field`. The message never echoes the value.
absl::Status CheckTokenValue(absl::string_view value, absl::string_view field);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_HEADER_VALUES_H_
