// An event-driven HTTP/1.1 server (Boost.Beast's parser on Boost.Asio) for
// every HTTP endpoint of the project: the callback receiver, the admin port
// and jumio-sandbox. It knows nothing about them: the owner gives it a head
// check and a handler and gets plain Request/Response values (message.h).
//
// Threads: `io_threads` threads run one io_context; no thread is ever tied to
// a connection, so an idle or slow connection costs a socket and a few KiB.
// Handlers run on the I/O threads (handler_threads == 0; they must not block)
// or on a fixed pool with a bounded queue (handler_threads > 0).
//
// One request at a time per connection, in order:
//
//   accept ── caps (total, per source address): over either, closed at once
//     │
//   head ──── whole head within head_timeout (from accept, or from the first
//     │       byte of a keep-alive request); > max_head_bytes: 431; malformed
//     │       (including Content-Length together with Transfer-Encoding): 400
//   HeadCheck(request without body)   on the I/O thread, must not block
//     │   ├─ answers (401/403/404/405/411/413/415...): that response is sent,
//     │   │  the body is never read, the connection is closed
//     │   └─ continues, optionally with a lower body limit for this request
//     │  declared Content-Length over the limit: 413, closed
//     │  "Expect: 100-continue": "100 Continue" is sent now
//   body ──── whole body within body_timeout; over the limit (chunked too):
//     │       413, closed; late: 408, closed. BodyError lets the owner count
//     │       these and shape the answer. Bytes after a refused body are never
//     │       parsed as another request.
//   Handler(request, responder)       on the I/O thread or the pool
//     │       pool queue full: 503 + Retry-After, the handler is not called
//   response ─ each write within write_timeout; Content-Length and Connection
//     │        are set by the server; optional pacing/truncation (sandbox)
//   keep-alive? next request: the connection may sit idle for idle_timeout
//   (pipelined requests are answered one after the other, in order)
//
// Whenever the server closes a connection that may still carry unread request
// bytes it shuts down its sending side and discards what arrives for a short,
// bounded time (lingering close), so that the client reads the answer instead
// of a reset.
//
// Thread safety: Start, Stop, RunAfter, port and stats may be called from any
// thread. A Responder may be called from any thread, once.
#ifndef JUMIO_GATEWAY_SERVER_HTTP_SERVER_H_
#define JUMIO_GATEWAY_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/http/message.h"

namespace jumio_gateway::http {

namespace internal {
class ServerCore;
class Connection;
}  // namespace internal

// Completes one request. Move-only; call it exactly once, from any thread
// (a second call is ignored). Dropping it uncalled answers 500 (so a
// forgotten path cannot hang a client). Calling it after the connection is
// gone, or after Stop(), does nothing.
class Responder {
 public:
  Responder() = default;
  Responder(Responder&&) noexcept;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void operator()(Response response);
  // False once called (or when default-constructed / moved from).
  explicit operator bool() const { return connection_ != nullptr; }

 private:
  friend class internal::Connection;
  Responder(std::shared_ptr<internal::ServerCore> core,
            std::shared_ptr<internal::Connection> connection);

  // Order matters: the connection is released before the core it lives in.
  std::shared_ptr<internal::ServerCore> core_;
  std::shared_ptr<internal::Connection> connection_;
};

// What the head check decides for a request whose head has been read.
struct HeadDecision {
  // Set: send this at once; the body is not read and the connection is
  // closed afterwards (whatever `close` says).
  std::optional<Response> answer;
  // The body limit for this request; it can only lower the server's
  // max_body_bytes (a larger value means the server's limit).
  size_t max_body_bytes = std::numeric_limits<size_t>::max();

  static HeadDecision Continue(
      size_t max_body_bytes = std::numeric_limits<size_t>::max()) {
    HeadDecision d;
    d.max_body_bytes = max_body_bytes;
    return d;
  }
  static HeadDecision Answer(Response response) {
    HeadDecision d;
    d.answer = std::move(response);
    return d;
  }
};

// Why a body that passed the head check was not read.
enum class BodyError {
  kTooLarge,    // 413: declared or actual size over the limit
  kTimeout,     // 408: not complete within body_timeout
  kMalformed,   // 400: bad chunked framing
  kIncomplete,  // the peer hung up mid-body (nothing is sent)
};
const char* BodyErrorName(BodyError error);

// Everything runs on an I/O thread and must not block.
//  * HeadCheck: `request.body` is empty. Empty function: always continue.
//  * Handler: the request with its body; answer through the Responder, now
//    or later (Server::RunAfter, another thread).
//  * BodyErrorHook: told when a body fails after a passed head check, with
//    the server's default answer (status as listed above) to
//    adjust (a short text/plain body by default); the connection is closed
//    afterwards whatever it says. Optional.
using HeadCheck = std::function<HeadDecision(const Request& head)>;
using Handler = std::function<void(Request request, Responder responder)>;
using BodyErrorHook =
    std::function<void(const Request& head, BodyError error, Response& answer)>;

// Counters for the owner to export as metrics. Monotonic except
// connections_open.
struct ServerStats {
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> connections_accepted{0};
  std::atomic<int64_t> refused_total_cap{0};   // over max_connections
  std::atomic<int64_t> refused_source_cap{0};  // over the per-source cap
  std::atomic<int64_t> accept_errors{0};       // e.g. out of descriptors
  std::atomic<int64_t> head_timeouts{0};       // head not complete in time
  std::atomic<int64_t> body_timeouts{0};       // body not complete in time
  std::atomic<int64_t> idle_timeouts{0};       // no byte of a request came
  std::atomic<int64_t> write_timeouts{0};      // a write took too long
  std::atomic<int64_t> head_too_large{0};      // 431
  std::atomic<int64_t> body_too_large{0};      // 413 (declared or actual)
  std::atomic<int64_t> bad_requests{0};        // 400 from the parser
  std::atomic<int64_t> answered_by_head_check{0};
  std::atomic<int64_t> handler_queue_full{0};  // 503 without calling handler
  std::atomic<int64_t> requests{0};            // handed to the handler
  std::atomic<int64_t> responses{0};           // responses fully written
};

class Server {
 public:
  struct Options {
    // An IP literal ("127.0.0.1", "0.0.0.0", "::1", "::") or "localhost".
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the OS chooses (see port())
    // Kernel accept queue (capped by net.core.somaxconn, 4096 by default).
    // Accepting is cheap and never waits on a handler, so the queue keeps
    // draining; but a burst of connects larger than the queue has SYNs dropped,
    // and each dropped client waits out a 1 s retransmit. The flood test saw
    // exactly that with 1024: 2,200 attacker connects at once, and the /metrics
    // scrape behind them took 1.015 s to connect. As deep as max_connections.
    int backlog = 4096;

    int io_threads = 1;
    // 0: handlers run on the I/O threads and must not block. > 0: a fixed
    // pool; requests wait in a queue of at most handler_queue (waiting costs
    // no thread); when it is full the request gets 503 with Retry-After.
    int handler_threads = 0;
    size_t handler_queue = 1024;
    absl::Duration retry_after = absl::Seconds(1);

    // The whole request head, from accept (first request) or from the first
    // byte (later requests on a kept-alive connection). A connection that has
    // sent nothing yet is cut somewhere between 3/4 of this and all of it
    // (spread per connection, so that a flood opened at once does not time
    // out, and reconnect, at once); likewise idle_timeout.
    absl::Duration head_timeout = absl::Seconds(10);
    // The whole body, from the end of the head.
    absl::Duration body_timeout = absl::Seconds(10);
    // Between requests on a kept-alive connection. 15 s: longer than the
    // gap between a Prometheus scrape and the next at the usual 10-15 s
    // intervals is not needed (reconnecting on loopback or a LAN costs well
    // under a millisecond), while each idle connection holds a slot of the
    // connection caps for at most this long.
    absl::Duration idle_timeout = absl::Seconds(15);
    // Each write (the head, each paced piece of a body) must finish within
    // this; otherwise the connection is closed.
    absl::Duration write_timeout = absl::Seconds(10);
    // Lingering close: how long and how much to discard after an answer
    // that left request bytes unread.
    absl::Duration linger_timeout = absl::Seconds(2);
    size_t linger_bytes = 1 << 20;

    size_t max_head_bytes = 16 * 1024;  // request line + headers; over: 431
    size_t max_body_bytes = 1 << 20;    // over: 413 and close

    // Over either cap a new connection is closed at once (counted).
    int max_connections = 4096;
    int max_connections_per_source = 256;

    // Names the server in Start()'s errors ("callback receiver"). This
    // library logs nothing itself.
    std::string name = "http";
  };

  // `check` and `on_body_error` may be empty.
  Server(Options options, Handler handler, HeadCheck check = nullptr,
         BodyErrorHook on_body_error = nullptr);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (SO_REUSEADDR, never SO_REUSEPORT), listens and starts the
  // threads. UNAVAILABLE when the address cannot be bound,
  // INVALID_ARGUMENT when it is malformed. Once only.
  absl::Status Start();
  // The bound port after a successful Start (0 before).
  int port() const;

  // Graceful stop: stops accepting, closes connections that are between
  // requests or still reading one, lets responses that are being produced
  // or written finish for up to `grace`, then closes everything, cancels
  // RunAfter timers (their functions are destroyed without running) and
  // joins every thread. Idempotent; also done by the destructor with the
  // last grace given (default 5 s).
  void Stop(absl::Duration grace = absl::Seconds(5));

  // Runs `fn` on an I/O thread after `delay`, holding no thread meanwhile
  // (e.g. injected latency: capture the Responder). Dropped after Stop().
  void RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn);

  const ServerStats& stats() const;
  const Options& options() const;

 private:
  std::shared_ptr<internal::ServerCore> core_;
};

// Raises this process's RLIMIT_NOFILE soft limit to its hard limit (a
// server holding thousands of connections needs a descriptor for each).
// Returns the soft limit in force afterwards. Call once, early in main.
absl::StatusOr<uint64_t> RaiseOpenFileLimit();

}  // namespace jumio_gateway::http

#endif  // JUMIO_GATEWAY_SERVER_HTTP_SERVER_H_
