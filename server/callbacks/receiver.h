// The HTTP endpoint Jumio POSTs callbacks to, on its own listen address, on
// the event-driven server of server/http (no thread per connection: idle and
// slow-drip connections cost a socket, and are cut by whole-head and
// whole-body deadlines and connection caps).
//
// Checks run in a fixed order, cheapest and most telling first, and each
// refusal has its own reason (stats.h). Everything up to the declared length
// is decided from the request head, BEFORE a byte of the body is read (the
// connection is closed after such a refusal, so an unread body is never
// taken for another request):
//   sender address (SourcePolicy), method (405 + Allow), path (404, not
//   counted), URL token (well formed and, for id and nonce tokens, MAC
//   valid: CallbackUrlIssuer::PreVerify), content type, declared length;
// then the body (size cap, total time bound), then the JSON shape, then the
// binding of the token to the body's account, then the durable append. The
// answer is 200 only once the callback is durable in the log (duplicates too:
// they are already durable). The append blocks (group commit), so parsing
// and appending run on a handler pool; a request waiting for it holds no
// thread.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/source_policy.h"
#include "server/callbacks/stats.h"
#include "server/callbacks/token.h"
#include "server/core/clock.h"
#include "server/http/server.h"
#include "server/observability/logger.h"

namespace jumio_gateway::callbacks {

class Receiver {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 0;  // 0: any free port (see port())
    size_t max_body_bytes = 64 * 1024;
    // The whole request head must arrive within read_timeout (from accept,
    // or from its first byte on a kept-alive connection), the whole body
    // within body_timeout after it. Worst case: the sum.
    absl::Duration body_timeout = absl::Seconds(10);
    absl::Duration read_timeout = absl::Seconds(5);
    // Handler threads: parsing and the durable append run there, and group
    // commit needs many requests in flight to fill a batch. Requests beyond
    // them wait in a queue (holding no thread) of queue_limit; beyond that,
    // 503 with Retry-After.
    int threads = 64;
    size_t queue_limit = 4096;
    // Connection caps (beyond them a new connection is closed at once).
    // Behind an ingress every connection comes from a few proxy addresses:
    // keep the per-source cap above the proxies' connection pool.
    int max_connections = 4096;
    int max_connections_per_source = 256;
    absl::Duration idle_timeout = absl::Seconds(15);
    // Region of callbacks whose hrefs name none (e.g. from the sandbox).
    ::jumio::gateway::v1::Region default_region =
        ::jumio::gateway::v1::REGION_UNSPECIFIED;
    // When false, POST /callbacks/v1 without a token is accepted too (for a
    // callback URL configured in the Jumio portal by hand).
    bool require_token = true;
  };

  using StoredCallback =
      std::function<void(const ::jumio::gateway::v1::Callback&)>;

  // Everything passed must outlive the receiver. `logger` may be null.
  // `on_stored` (may be empty) runs after a new callback is durable, before
  // the 200 is sent: keep it short (enqueue).
  Receiver(Options options, const SourcePolicy* policy,
           const CallbackUrlIssuer* tokens, CallbackLog* log,
           CallbackStats* stats, observability::Logger* logger,
           StoredCallback on_stored,
           const core::Clock& clock = core::SystemClock());
  ~Receiver();  // Stop()

  // Binds and starts serving on background threads.
  absl::Status Start();
  int port() const { return server_ == nullptr ? 0 : server_->port(); }
  // Stops accepting and lets in-flight requests end (bounded).
  void Stop();
  // Connection-level counters (caps, timeouts) for metrics; null before
  // Start.
  const http::ServerStats* server_stats() const {
    return server_ == nullptr ? nullptr : &server_->stats();
  }

 private:
  http::HeadDecision CheckHead(const http::Request& head);
  void OnBodyError(const http::Request& head, http::BodyError error,
                   http::Response& answer);
  void HandlePost(http::Request req, http::Responder respond);
  http::Response Reject(RejectReason reason, const std::string& sender,
                        const std::string& detail);

  const Options options_;
  const SourcePolicy* const policy_;
  const CallbackUrlIssuer* const tokens_;
  CallbackLog* const log_;
  CallbackStats* const stats_;
  observability::Logger* const logger_;
  const StoredCallback on_stored_;
  const core::Clock& clock_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_
