// The HTTP endpoint Jumio POSTs callbacks to, on its own listen address.
// Checks run in a fixed order, cheapest and most telling first, and each
// refusal has its own reason (stats.h): sender address, method and content
// type, declared size, body read (size cap and a total time bound, so a
// slow-drip sender cannot hold a thread), JSON shape, URL token. The answer is
// 200 only once the callback is durable in the log (duplicates too: they are
// already durable).
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/source_policy.h"
#include "server/callbacks/stats.h"
#include "server/callbacks/token.h"
#include "server/observability/logger.h"

namespace httplib {
class Server;
class Response;
struct Request;
class ContentReader;
}  // namespace httplib

namespace jumio_gateway::callbacks {

class Receiver {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 0;  // 0: any free port (see port())
    size_t max_body_bytes = 64 * 1024;
    // The whole body must arrive within body_timeout; a stalled connection
    // is also cut after read_timeout without data. Worst case: the sum.
    absl::Duration body_timeout = absl::Seconds(10);
    absl::Duration read_timeout = absl::Seconds(5);
    // Each request holds a thread until its write is durable; group commit
    // needs many requests in flight to fill a batch.
    int threads = 64;
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
           std::function<absl::Time()> clock = absl::Now);
  ~Receiver();  // Stop()

  // Binds and starts serving on a background thread.
  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting and waits for in-flight requests to end.
  void Stop();

 private:
  void HandlePost(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader);
  void Reject(httplib::Response& res, RejectReason reason,
              const std::string& sender, const std::string& detail);

  const Options options_;
  const SourcePolicy* const policy_;
  const CallbackUrlIssuer* const tokens_;
  CallbackLog* const log_;
  CallbackStats* const stats_;
  observability::Logger* const logger_;
  const StoredCallback on_stored_;
  const std::function<absl::Time()> clock_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  int listen_socket_ = -1;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_RECEIVER_H_
