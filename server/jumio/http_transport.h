// The seam between the Jumio client and the network. The real implementation
// (CurlMultiTransport, curl_transport.h) drives libcurl's multi interface from
// a small fixed set of I/O threads; tests substitute a fake that answers from
// memory.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_HTTP_TRANSPORT_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_HTTP_TRANSPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"

namespace jumio_gateway::jumio {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // GET, POST, PUT, DELETE
  std::string url;     // absolute; never logged with credentials in it
  HttpHeaders headers;
  // A Cord so that copies share the bytes: a 15 MB upload assembled from the
  // caller's chunks reaches the socket without ever being copied whole (the
  // transport reads it chunk by chunk, and a retry reuses it).
  absl::Cord body;
  // A response body beyond this aborts the transfer (INTERNAL); 0 means the
  // transport's own limit. Lets a caller bound what one transfer may buffer.
  size_t max_response_bytes = 0;
  // The transfer is aborted when this passes (DEADLINE_EXCEEDED). Comes from
  // the caller's gRPC deadline, capped by the gateway's per-attempt timeout.
  absl::Time deadline = absl::InfiniteFuture();
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;
};

// Identifies a transfer so that it can be cancelled (the caller's RPC was
// cancelled).
using TransferId = uint64_t;

// A transport error for a transfer of which no byte can have reached the
// server (the name did not resolve, the connection was refused or never
// established) carries this payload, so that a request that is not idempotent
// may still be sent again. Internal: never among the details a caller gets.
inline constexpr char kRequestNotSentPayload[] =
    "type.jumio-gateway.internal/request-not-sent";

inline void MarkRequestNotSent(absl::Status& status) {
  status.SetPayload(kRequestNotSentPayload, absl::Cord("1"));
}
inline bool RequestNotSent(const absl::Status& status) {
  return status.GetPayload(kRequestNotSentPayload).has_value();
}

class HttpTransport {
 public:
  // Called exactly once per Send, on one of the transport's I/O threads (or
  // inline when Send fails at once). Errors: DEADLINE_EXCEEDED (deadline
  // passed), CANCELLED (Cancel was called), UNAVAILABLE (connect failure,
  // reset, TLS error, DNS; MarkRequestNotSent when nothing was sent), never an
  // HTTP status: any HTTP answer, 4xx and 5xx included, is an OK HttpResponse.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  virtual ~HttpTransport() = default;

  // Starts the transfer and returns at once.
  virtual TransferId Send(HttpRequest request, Callback done) = 0;

  // Aborts the transfer if it is still running; its callback then gets
  // CANCELLED. Safe to call for a transfer that has already finished.
  virtual void Cancel(TransferId id) = 0;
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_HTTP_TRANSPORT_H_
