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

#include "absl/status/statusor.h"
#include "httplib.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/faults.h"
#include "sandbox/ids.h"
#include "sandbox/journal.h"
#include "sandbox/ratelimit.h"
#include "sandbox/service.h"

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
  std::string faults_json;
  bool allow_http_callbacks = false;
  // One worker per open keep-alive connection (cpp-httplib's model), so this
  // bounds the connections served at once; more wait in the accept queue.
  int threads = 2048;
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
  // Binds and starts serving on a background thread; returns the bound port.
  absl::StatusOr<int> Start();
  void Stop();

 private:
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void Control(const httplib::Request& req, httplib::Response& res);
  void LogRequest(const httplib::Request& req, const httplib::Response& res);
  bool RateLimited(const Route& route, const httplib::Request& req);

  ServerOptions options_;
  OffsetClock clock_;
  IdSource ids_;
  Authenticator auth_;
  CallbackSender callbacks_;
  Journal journal_;
  Faults faults_;
  RateLimiter limiter_;
  std::unique_ptr<Service> service_;
  httplib::Server http_;
  std::thread listener_;
  std::thread ticker_;
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_SERVER_H_
