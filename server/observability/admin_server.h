// The admin HTTP server: a port of its own (kept off the gRPC and callback
// ports, so that scrapes and probes never queue behind traffic and the port
// can be closed to everything but Prometheus and the kubelet).
//
//   GET /metrics  Prometheus text exposition 0.0.4 of the registry
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//   GET /readyz   200 "ok", or 503 with a short reason, from the readiness
//                 check (config loaded, a token obtainable, callback store
//                 writable: the caller decides)
//
// It runs on the event-driven server of server/http: idle or slow-drip
// connections cost a socket each and are cut by deadlines, so they cannot
// make the port unreachable for Prometheus or the kubelet.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_ADMIN_SERVER_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_ADMIN_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "server/http/server.h"
#include "server/observability/metrics.h"

namespace jumio_gateway::observability {

class AdminServer {
 public:
  struct Options {
    // host:port; port 0 lets the OS choose (see port()). "[::1]:0" for IPv6.
    std::string listen = "127.0.0.1:9090";
    // OK when the gateway should receive traffic; otherwise the status
    // message (short, no secrets: it is served to anyone who can reach the
    // port) becomes the 503 body. Empty means always ready.
    std::function<absl::Status()> readiness;
    // Called before each /metrics scrape, to refresh gauges that are cheaper
    // to read on demand than to keep current (a log backlog, for example).
    std::function<void()> before_scrape;
  };

  // `registry` must outlive the server.
  AdminServer(const Registry& registry, Options options);
  ~AdminServer();  // Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts serving on a background thread. Fails when the address
  // is malformed or taken.
  absl::Status Start();
  // The bound port after a successful Start (0 before).
  int port() const { return port_; }
  // Stops accepting, finishes the requests in progress and joins. Idempotent.
  void Stop();
  // Connection-level counters (caps, timeouts); null before Start.
  const http::ServerStats* server_stats() const {
    return server_ == nullptr ? nullptr : &server_->stats();
  }

 private:
  void Handle(const http::Request& request, http::Response& response);

  const Registry& registry_;
  const Options options_;
  std::unique_ptr<http::Server> server_;
  int port_ = 0;
};

// Splits "host:port" / "[v6]:port". Exposed for tests.
absl::Status ParseListenAddress(const std::string& listen, std::string& host,
                                int& port);

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_ADMIN_SERVER_H_
