// One Jumio REST call at a time, done right: routed to the region's host, with
// the required headers and the region's Authorization, bounded by the caller's
// deadline, cancellable, retried once with a fresh token on a 401, and every
// non-2xx outcome mapped to the gateway's errors. Request bodies and response
// parsing belong to the codec; this class moves bytes.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_CLIENT_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/jumio/endpoints.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/token_source.h"

namespace jumio_gateway::jumio {

struct JumioCall {
  std::string region;  // "amer-1", ...; must be configured
  jumio::HostKind host = jumio::HostKind::kApi;
  std::string method = "GET";
  // The path Jumio documents, ids already validated: "/api/v1/accounts/<id>".
  std::string path;
  // Route template for metrics and errors ("account_create", ...): never
  // contains ids.
  std::string endpoint;
  // Shared, not copied, on the way to the transport (see HttpRequest::body).
  absl::Cord body;
  std::string content_type;  // for bodies; empty when there is none
  std::string accept = "application/json";
  absl::Time deadline = absl::InfiniteFuture();
  // Each HTTP attempt ends at the earlier of `deadline` and this long after
  // it started (CallOptions::attempt_timeout).
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // When set, sent instead of the token source's header (a credential's own
  // api.token).
  std::string authorization;
  // The status API needs no credentials.
  bool authenticate = true;
  // The caller's request id, sent as X-Request-ID so that one call can be
  // followed from the caller through the gateway's logs to Jumio's support.
  std::string request_id;
  // Largest response body accepted (HttpRequest::max_response_bytes); 0 is
  // the transport's limit.
  size_t max_response_bytes = 0;
};

// Cancels a call that is still running (its callback then gets CANCELLED).
class CallHandle {
 public:
  virtual ~CallHandle() = default;
  virtual void Cancel() = 0;
};

class JumioClient {
 public:
  // OK only for a 2xx answer; every other outcome is an error from
  // upstream_errors.h.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;
  // Told about every HTTP attempt (for metrics and the log): the call, the
  // HTTP status (0 when none), how long it took and, when there was no HTTP
  // answer, the transport's error (which names the host and port: for the
  // operator's log only).
  using Observer = std::function<void(const JumioCall& call, int http_status,
                                      absl::Duration elapsed,
                                      const absl::Status& transport_error)>;
  using Clock = core::Clock;

  // All pointers must outlive the client; the transport must be drained before
  // the client is destroyed.
  JumioClient(const jumio::JumioHosts& config, HttpTransport* transport,
              TokenSource* tokens, const Clock& clock,
              Observer observer = nullptr);

  std::shared_ptr<CallHandle> Call(JumioCall call, Callback done);

 private:
  class Operation;

  const jumio::JumioHosts& config_;
  HttpTransport* const transport_;
  TokenSource* const tokens_;
  const Clock& clock_;
  const Observer observer_;
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_CLIENT_H_
