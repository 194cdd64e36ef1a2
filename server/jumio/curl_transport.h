// The real HttpTransport: libcurl's multi interface driven by a small fixed
// set of I/O threads, so that thousands of slow Jumio calls in flight cost
// sockets and memory, never thousands of threads.
//
//   auto transport = CurlMultiTransport::Create({});
//   if (!transport.ok()) return transport.status();
//   (*transport)->Send(std::move(request), [](auto result) { ... });
//
// Each I/O thread owns one CURLM with its own connection cache, so keep-alive
// connections (and HTTP/2 streams, where the server offers h2 over TLS) are
// reused by the transfers that thread runs. A transfer is given to the least
// loaded thread. Callbacks run on the I/O thread and must not block it for
// long: every other transfer on that thread waits meanwhile. A callback may
// call Send and Cancel; it must not destroy the transport.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CURL_TRANSPORT_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CURL_TRANSPORT_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::jumio {

class CurlMultiTransport final : public HttpTransport {
 public:
  struct Options {
    // Fixed for the transport's lifetime; each thread runs one CURLM.
    int io_threads = 2;
    // TCP + TLS handshake bound, also capped by the request's deadline. A
    // connect that times out before the deadline is UNAVAILABLE (another
    // attempt may reach a healthy host), not DEADLINE_EXCEEDED.
    absl::Duration connect_timeout = absl::Seconds(5);
    // Per I/O thread (each owns a connection cache). Transfers beyond it wait
    // inside libcurl for a free connection instead of opening more sockets;
    // with HTTP/2 they share the connections as streams. 0 means no limit.
    size_t max_connections_per_host = 32;
    // Per I/O thread, across hosts. 0 means no limit.
    size_t max_total_connections = 0;
    // Turning this off is for tests against self-signed servers only.
    bool verify_tls = true;
    // PEM bundle of trusted CAs; empty uses the system's store.
    std::string ca_file;
    // A response body beyond this aborts the transfer (INTERNAL): a
    // misbehaving upstream must not exhaust the gateway's memory.
    size_t max_response_bytes = 32u << 20;
    // Idle easy handles kept per I/O thread for reuse (their buffers and TLS
    // session state survive curl_easy_reset).
    size_t max_idle_handles = 256;
    // Sent when the request carries no User-Agent of its own; empty sends
    // none.
    std::string user_agent = "jumio-gateway";
    // What request deadlines are compared with. libcurl's own timeouts run on
    // the real clock, so anything but a RealClock makes sense only in tests
    // of the deadline checks. Must outlive the transport.
    const core::Clock* clock = &core::SystemClock();
  };

  // Initialises libcurl once per process (thread-safe) and starts the I/O
  // threads. INVALID_ARGUMENT for a bad option, INTERNAL when libcurl or a
  // thread cannot be set up.
  static absl::StatusOr<std::unique_ptr<CurlMultiTransport>> Create(
      Options options);

  // Stops the I/O threads; every transfer not yet completed gets CANCELLED
  // (exactly once). Must not be called from one of the transport's callbacks.
  ~CurlMultiTransport() override;

  CurlMultiTransport(const CurlMultiTransport&) = delete;
  CurlMultiTransport& operator=(const CurlMultiTransport&) = delete;

  // Completes inline (before returning) with INVALID_ARGUMENT for a malformed
  // request (method, URL, header with CR/LF) and DEADLINE_EXCEEDED for a
  // deadline already passed; nothing is sent in either case.
  TransferId Send(HttpRequest request, Callback done) override;
  void Cancel(TransferId id) override;

  // Transfers handed to the I/O threads whose callback has not been called
  // yet.
  size_t InFlight() const;

 private:
  class Worker;
  explicit CurlMultiTransport(Options options);

  const Options options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<uint64_t> next_sequence_{1};
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CURL_TRANSPORT_H_
