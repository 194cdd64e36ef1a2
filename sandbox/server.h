// The HTTP front of the sandbox: one loopback listener that serves every region
// and host kind (path prefix /<region>/<hostkind> or the Jumio Host header),
// applies faults and rate limits, journals requests, and exposes the /_sandbox
// control endpoint.
#ifndef JUMIO_GATEWAY_SANDBOX_SERVER_H_
#define JUMIO_GATEWAY_SANDBOX_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/faults.h"
#include "sandbox/ids.h"
#include "sandbox/journal.h"
#include "sandbox/ratelimit.h"
#include "sandbox/service.h"
#include "server/http/message.h"
#include "server/http/server.h"

namespace jumio::sandbox {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string public_base_url;  // empty: http://<host>:<bound port>
  std::string client_id = "sandbox-client";
  std::string client_secret = "sandbox-secret";
  absl::Duration token_ttl = absl::Hours(1);
  absl::Duration processing_delay = absl::Milliseconds(200);
  double time_scale = 1.0;
  size_t max_image_bytes = 5 * 1024 * 1024;
  bool accept_pdf_parts = false;
  bool rate_limits = true;
  // Account create/update limit per region (Jumio: 1/s, short bursts); tests
  // raise it to run the 1/s scenarios proportionally faster.
  double account_rate = 1;
  int account_burst = 3;
  std::string faults_json;
  std::string callback_faults_json;  // CallbackFaults::Parse; empty: none
  bool allow_http_callbacks = false;
  // The event-driven server's threads: I/O (accept, parse, write, timers for
  // injected latency and pacing) and the pool that runs the service's short,
  // mutex-bound work. Neither grows with connections.
  int io_threads = 2;
  int handler_threads = 2;
  // Connections held at once, in total and per source address. The gateway's
  // libcurl pool and benchmark clients all connect from 127.0.0.1, so the
  // per-source cap is as high as the total: a cap meant against one hostile
  // peer would here throttle the one legitimate peer.
  int max_connections = 16384;
  uint64_t seed = 0;
  size_t journal_capacity = 20000;
};

// Splits "/emea-1/api/api/v1/..." or Host "api.emea-1.jumio.ai" into a Route.
// nullopt when the request names no known region and host kind.
std::optional<Route> ResolveRoute(const std::string& host_header,
                                  const std::string& path);

class SandboxServer {
 public:
  explicit SandboxServer(ServerOptions options);
  ~SandboxServer();
  // Binds and starts serving on the server's own threads; returns the bound
  // port.
  absl::StatusOr<int> Start();
  void Stop();

 private:
  // Completes one request with its response, once, from any thread.
  using Completion = absl::AnyInvocable<void(jumio_gateway::http::Response)>;

  // Answers `req`: computes the response (service, control endpoint, faults,
  // rate limits), journals it, and hands it to `done` at once or, when a fault
  // injects latency, from a server timer once the latency has passed (no
  // thread waits). Fault pacing (slow body, dropped connection) travels in the
  // response's chunk_bytes / chunk_interval / truncate_after / close members.
  void Dispatch(const jumio_gateway::http::Request& req, Completion done);
  // Everything Dispatch does except the waiting: fills `res` and returns the
  // latency to hold it back by.
  absl::Duration Respond(const jumio_gateway::http::Request& req,
                         jumio_gateway::http::Response& res);
  void Control(const jumio_gateway::http::Request& req,
               jumio_gateway::http::Response& res);
  void LogRequest(const jumio_gateway::http::Request& req, int status);
  // The time until the next token when the request is over its class's
  // limit (the Retry-After of the 429), nullopt when it may proceed.
  std::optional<absl::Duration> RateLimited(
      const Route& route, const jumio_gateway::http::Request& req);

  ServerOptions options_;
  OffsetClock clock_;
  IdSource ids_;
  Authenticator auth_;
  CallbackSender callbacks_;
  Journal journal_;
  Faults faults_;
  RateLimiter limiter_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<jumio_gateway::http::Server> http_;
  std::thread ticker_;
  absl::Notification ready_;  // service_ is set
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_SERVER_H_
