// Jumio's HTTP outcomes as the gateway's errors (DESIGN.md section 3,
// error.proto): one function for HTTP answers and one for transfers that got
// none, so every endpoint maps alike.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_UPSTREAM_ERRORS_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_UPSTREAM_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::jumio {

// OK for 2xx. Otherwise the semantic gRPC code with one ErrorInfo carrying
// httpStatus, region and jumioEndpoint, and a RetryInfo where retrying may help
// (429 from Retry-After, 5xx). Messages never echo Jumio's body beyond the name
// of a rejected field.
absl::Status StatusFromHttp(const HttpResponse& response,
                            const std::string& region,
                            const std::string& endpoint);

// The delay Jumio (or a proxy in front of it) asked for in Retry-After, when
// the answer behind `status` carried one; the RetryInfo of a 5xx without it is
// only the gateway's default. For the retry layer; never sent to callers.
absl::optional<absl::Duration> UpstreamRetryAfter(const absl::Status& status);

// The gateway's per-attempt timeout ended an attempt while the caller's
// deadline was still ahead: UNAVAILABLE / UPSTREAM_TIMEOUT with RetryInfo.
absl::Status StatusFromAttemptTimeout(const std::string& region,
                                      const std::string& endpoint);

// A transfer that ended without an HTTP answer (see HttpTransport::Callback).
// The message names the region and endpoint only: the transport's text (host,
// port, OS and TLS reasons) goes to the log, never to the caller.
// A transport error marked RequestNotSent (http_transport.h) stays marked.
absl::Status StatusFromTransport(const absl::Status& transport_error,
                                 const std::string& region,
                                 const std::string& endpoint);

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_UPSTREAM_ERRORS_H_
