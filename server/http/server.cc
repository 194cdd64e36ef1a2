#include "server/http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace jumio_gateway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

// Bytes asked of the kernel per read.
constexpr size_t kReadChunk = 16 * 1024;
// After an accept failure such as EMFILE, try again this much later (a
// timer, not a sleep: the I/O thread keeps serving the open connections).
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);
// Stop(): how long the I/O threads get to run the last cancellations.
constexpr absl::Duration kDrainBound = absl::Seconds(2);

// A well-mixed 64-bit value from a counter (Steele et al.'s SplitMix64).
uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(std::max(d, absl::ZeroDuration()));
}

absl::string_view View(beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool HeaderSafe(absl::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool ServerOwnedHeader(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "Content-Length") ||
         absl::EqualsIgnoreCase(name, "Connection") ||
         absl::EqualsIgnoreCase(name, "Transfer-Encoding");
}

Response TextResponse(int status, absl::string_view text) {
  Response r;
  r.SetContent(status, absl::StrCat(text, "\n"), "text/plain; charset=utf-8");
  r.close = true;
  return r;
}

}  // namespace

const char* BodyErrorName(BodyError error) {
  switch (error) {
    case BodyError::kTooLarge:
      return "too_large";
    case BodyError::kTimeout:
      return "timeout";
    case BodyError::kMalformed:
      return "malformed";
    case BodyError::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

namespace internal {

// Fixed threads, bounded queue. Queued tasks that never ran are dropped at
// Shutdown (destroyed outside the lock); running ones finish.
class HandlerPool {
 public:
  HandlerPool(int threads, size_t capacity) : capacity_(capacity) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~HandlerPool() { Shutdown(); }

  bool TrySubmit(absl::AnyInvocable<void()>& task) {
    absl::MutexLock lock(&mu_);
    if (stop_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
    return true;
  }

  void Shutdown() {
    std::deque<absl::AnyInvocable<void()>> dropped;
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
      dropped.swap(queue_);
    }
    dropped.clear();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void Run() {
    while (true) {
      absl::AnyInvocable<void()> task;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](HandlerPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
              return p->stop_ || !p->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // stopping
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(Server::Options options, Handler handler, HeadCheck check,
             BodyErrorHook on_body_error)
      : options(std::move(options)),
        handler(std::move(handler)),
        check(std::move(check)),
        on_body_error(std::move(on_body_error)),
        accept_strand(asio::make_strand(ioc)),
        acceptor(accept_strand),
        accept_retry(accept_strand),
        work(asio::make_work_guard(ioc)) {}

  absl::Status Start();
  void Stop(absl::Duration grace);
  void RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn);

  // Called by connections (on their strands).
  void OnClosed(Connection* c, const std::string& source);
  void InFlight(int delta) {
    absl::MutexLock lock(&mu_);
    in_flight_ += delta;
  }
  bool stopping() const { return stopping_flag_.load(); }

  const Server::Options options;
  const Handler handler;
  const HeadCheck check;
  const BodyErrorHook on_body_error;
  ServerStats stats;
  std::unique_ptr<HandlerPool> pool;
  std::atomic<int> port{0};

  asio::io_context ioc;

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);

  Strand accept_strand;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      work;
  std::vector<std::thread> threads_;
  std::atomic<int> running_threads_{0};
  std::atomic<bool> stopping_flag_{false};

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, int> per_source_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_
      ABSL_GUARDED_BY(mu_);
  std::unordered_map<asio::steady_timer*, std::weak_ptr<asio::steady_timer>>
      timers_ ABSL_GUARDED_BY(mu_);

  friend class Connection;
};

// One accepted socket. Every member is touched only on the socket's strand,
// except Respond(), which posts onto it. Holds a plain pointer to its core:
// the core (which owns the io_context that owns every handler holding a
// connection) always outlives it, and ~Connection never calls into it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore* core, tcp::socket socket, std::string source,
             int source_port)
      : core_(core),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        pace_timer_(socket_.get_executor()),
        buffer_(core->options.max_head_bytes + 2 * kReadChunk),
        source_(std::move(source)),
        source_port_(source_port),
        jitter_(SplitMix64(
            static_cast<uint64_t>(core->stats.connections_accepted.load()) ^
            (static_cast<uint64_t>(source_port) << 32))) {}

  void Start() {
    // The first request's head deadline runs from accept.
    phase_ = Phase::kWaiting;
    ArmTimer(Spread(core_->options.head_timeout));
    NewHeadParser();
    Read();
  }

  // Any thread.
  void Respond(Response response) {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), r = std::move(response)]() mutable {
                 self->OnResponse(std::move(r));
               });
  }

  // Stop(): close unless a response is being produced or written.
  void StopIfIdle() {
    if (closed_) return;
    if (phase_ == Phase::kHandler || phase_ == Phase::kWrite) {
      close_after_response_ = true;
      return;
    }
    Close();
  }
  void ForceClose() { Close(); }

 private:
  enum class Phase {
    kWaiting,  // no byte of the next request yet
    kHead,
    kBody,
    kHandler,  // waiting for the Responder
    kWrite,
    kLinger,
    kClosed,
  };

  void NewHeadParser() {
    head_parser_.emplace();
    head_parser_->header_limit(
        static_cast<std::uint32_t>(core_->options.max_head_bytes));
    // The declared length is checked after the head check (so that the
    // owner's checks come first); chunked bodies get their limit then too.
    head_parser_->body_limit(boost::none);
    body_parser_.reset();
  }

  // --- timers -------------------------------------------------------------
  void ArmTimer(absl::Duration d) {
    timer_.expires_after(ToChrono(d));
    const uint64_t gen = ++timer_gen_;
    timer_.async_wait(
        [self = shared_from_this(), gen](const boost::system::error_code& ec) {
          if (ec || gen != self->timer_gen_ || self->closed_) return;
          self->OnTimer();
        });
  }
  // A deadline for a connection that has sent nothing yet, shortened by up
  // to a quarter, different per connection: a flood opened in one burst would
  // otherwise time out in one burst too, and its reconnects with it, stalling
  // the I/O thread for everyone else at the same instant every period.
  absl::Duration Spread(absl::Duration d) const {
    return d - d * static_cast<double>(jitter_ % 1024) / 4096.0;
  }
  void DisarmTimer() {
    ++timer_gen_;
    timer_.cancel();
  }
  void OnTimer() {
    timed_out_ = true;
    timeout_phase_ = phase_;
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // the pending operation completes and acts
  }
  // Called by a completion handler that finds timed_out_ set.
  void HandleTimeout() {
    timed_out_ = false;
    switch (timeout_phase_) {
      case Phase::kWaiting:
        core_->stats.idle_timeouts.fetch_add(1);
        return Close();
      case Phase::kHead:
        core_->stats.head_timeouts.fetch_add(1);
        return SendAndClose(TextResponse(408, "request head too slow"));
      case Phase::kBody:
        core_->stats.body_timeouts.fetch_add(1);
        return FailBody(BodyError::kTimeout);
      case Phase::kWrite:
        core_->stats.write_timeouts.fetch_add(1);
        return Close();
      case Phase::kLinger:
      case Phase::kHandler:
      case Phase::kClosed:
        return Close();
    }
  }

  // --- reading ------------------------------------------------------------
  void Read() {
    const size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) {
      // Cannot happen with header_limit below the buffer size; be safe.
      core_->stats.head_too_large.fetch_add(1);
      return SendAndClose(TextResponse(431, "request head too large"));
    }
    socket_.async_read_some(
        buffer_.prepare(std::min(room, kReadChunk)),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const boost::system::error_code& ec, size_t n) {
    if (closed_) return;
    buffer_.commit(n);
    if (timed_out_) return HandleTimeout();
    if (ec) {
      // EOF or reset: nothing can be answered.
      if (phase_ == Phase::kBody) NotifyBodyError(BodyError::kIncomplete);
      return Close();
    }
    Parse();
  }

  void Parse() {
    if (phase_ == Phase::kWaiting && buffer_.size() > 0) {
      phase_ = Phase::kHead;
      // A kept-alive connection's next request gets its own head deadline
      // from its first byte; the first request's runs from accept.
      if (requests_done_ > 0) ArmTimer(core_->options.head_timeout);
    }
    while (true) {
      if (buffer_.size() == 0) return Read();
      boost::system::error_code ec;
      size_t used = 0;
      if (phase_ == Phase::kBody) {
        used = body_parser_->put(buffer_.data(), ec);
      } else {
        used = head_parser_->put(buffer_.data(), ec);
      }
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return Read();
      if (ec) return OnParseError(ec);
      if (phase_ == Phase::kBody) {
        if (body_parser_->is_done()) return OnBodyDone();
      } else if (head_parser_->is_header_done()) {
        return OnHeadDone();
      }
      if (used == 0) return Read();
    }
  }

  void OnParseError(const boost::system::error_code& ec) {
    if (phase_ == Phase::kBody) {
      if (ec == bhttp::error::body_limit) {
        core_->stats.body_too_large.fetch_add(1);
        return FailBody(BodyError::kTooLarge);
      }
      core_->stats.bad_requests.fetch_add(1);
      return FailBody(BodyError::kMalformed);
    }
    if (ec == bhttp::error::header_limit) {
      core_->stats.head_too_large.fetch_add(1);
      return SendAndClose(TextResponse(431, "request head too large"));
    }
    core_->stats.bad_requests.fetch_add(1);
    return SendAndClose(TextResponse(400, "malformed request"));
  }

  void OnHeadDone() {
    const auto& msg = head_parser_->get();
    request_ = Request();
    request_.method = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    const size_t q = request_.target.find('?');
    request_.path = request_.target.substr(0, q);
    request_.query =
        q == std::string::npos ? "" : request_.target.substr(q + 1);
    for (const auto& field : msg) {
      request_.headers.emplace_back(std::string(field.name_string()),
                                    std::string(field.value()));
    }
    request_.remote_address = source_;
    request_.remote_port = source_port_;
    keep_alive_ = msg.keep_alive();
    is_head_request_ = msg.method() == bhttp::verb::head;

    HeadDecision decision =
        core_->check ? core_->check(request_) : HeadDecision::Continue();
    if (decision.answer.has_value()) {
      core_->stats.answered_by_head_check.fetch_add(1);
      return SendAndClose(std::move(*decision.answer));
    }
    const uint64_t limit = std::min<uint64_t>(core_->options.max_body_bytes,
                                              decision.max_body_bytes);
    const boost::optional<uint64_t> declared = head_parser_->content_length();
    if (declared.has_value() && *declared > limit) {
      core_->stats.body_too_large.fetch_add(1);
      return FailBody(BodyError::kTooLarge);
    }
    body_parser_.emplace(std::move(*head_parser_));
    head_parser_.reset();
    body_parser_->body_limit(limit);
    if (body_parser_->is_done()) return OnBodyDone();
    phase_ = Phase::kBody;
    ArmTimer(core_->options.body_timeout);
    if (msg_expects_continue()) {
      out_head_ = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(out_head_),
                        [self = shared_from_this()](
                            const boost::system::error_code& ec, size_t) {
                          if (self->closed_) return;
                          if (self->timed_out_) return self->HandleTimeout();
                          if (ec) return self->Close();
                          self->Parse();
                        });
      return;
    }
    Parse();
  }

  bool msg_expects_continue() const {
    const auto& msg = body_parser_->get();
    if (msg.version() < 11) return false;
    auto it = msg.find(bhttp::field::expect);
    return it != msg.end() &&
           absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(View(it->value())),
                                  "100-continue");
  }

  void NotifyBodyError(BodyError error) {
    Response ignored;
    if (core_->on_body_error) core_->on_body_error(request_, error, ignored);
  }

  // The body that passed the head check failed: answer and close.
  void FailBody(BodyError error) {
    int status = 400;
    absl::string_view text = "malformed request body";
    if (error == BodyError::kTooLarge) {
      status = 413;
      text = "request body too large";
    } else if (error == BodyError::kTimeout) {
      status = 408;
      text = "request body too slow";
    }
    Response answer = TextResponse(status, text);
    if (core_->on_body_error) core_->on_body_error(request_, error, answer);
    SendAndClose(std::move(answer));
  }

  void OnBodyDone() {
    DisarmTimer();
    request_.body = std::move(body_parser_->get().body());
    body_parser_.reset();
    phase_ = Phase::kHandler;
    core_->InFlight(+1);
    in_flight_ = true;
    core_->stats.requests.fetch_add(1);
    if (core_->pool == nullptr) {
      core_->handler(std::move(request_),
                     Responder(core_->shared_from_this(), shared_from_this()));
      return;
    }
    // The Responder is made when the task runs: a task that is refused (or
    // dropped at Stop) never answers on its own.
    absl::AnyInvocable<void()> task = [core = core_, self = shared_from_this(),
                                       req = std::move(request_)]() mutable {
      core->handler(std::move(req),
                    Responder(core->shared_from_this(), std::move(self)));
    };
    if (!core_->pool->TrySubmit(task)) {
      core_->stats.handler_queue_full.fetch_add(1);
      Response busy = TextResponse(503, "busy, retry later");
      busy.close = false;
      busy.SetHeader("Retry-After",
                     absl::StrCat(std::max<int64_t>(
                         1, absl::ToInt64Seconds(core_->options.retry_after))));
      OnResponse(std::move(busy));
    }
  }

  // --- writing ------------------------------------------------------------
  void OnResponse(Response response) {
    if (closed_ || phase_ != Phase::kHandler) return;
    const bool close = response.close || !keep_alive_ ||
                       close_after_response_ || core_->stopping();
    StartWrite(std::move(response), close);
  }

  // Answers and closes (the request may still carry unread bytes).
  void SendAndClose(Response response) {
    if (phase_ == Phase::kHandler) {
      // Not reached: answers before the handler only.
      return Close();
    }
    StartWrite(std::move(response), /*close=*/true);
  }

  void StartWrite(Response response, bool close) {
    DisarmTimer();
    phase_ = Phase::kWrite;
    close_ = close;
    const int status = response.status;
    const bool no_body = status < 200 || status == 204 || status == 304;
    out_head_ =
        absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status), "\r\n");
    for (const auto& [name, value] : response.headers) {
      if (ServerOwnedHeader(name) || name.empty() || !HeaderSafe(name) ||
          !HeaderSafe(value)) {
        continue;
      }
      absl::StrAppend(&out_head_, name, ": ", value, "\r\n");
    }
    if (!no_body) {
      absl::StrAppend(&out_head_, "Content-Length: ", response.body.size(),
                      "\r\n");
    }
    absl::StrAppend(&out_head_, "Connection: ", close ? "close" : "keep-alive",
                    "\r\n\r\n");
    out_body_.clear();
    if (!no_body && !is_head_request_) out_body_ = std::move(response.body);
    body_sent_ = 0;
    truncate_at_ = std::min(response.truncate_after, out_body_.size());
    chunk_bytes_ = response.chunk_bytes;
    chunk_interval_ = response.chunk_interval;
    const bool paced = (chunk_bytes_ > 0 && chunk_bytes_ < truncate_at_) ||
                       truncate_at_ < out_body_.size();
    if (!paced) {
      ArmTimer(core_->options.write_timeout);
      std::vector<asio::const_buffer> buffers = {asio::buffer(out_head_),
                                                 asio::buffer(out_body_)};
      asio::async_write(socket_, buffers,
                        [self = shared_from_this()](
                            const boost::system::error_code& ec, size_t) {
                          self->OnWritten(ec, /*done=*/true);
                        });
      return;
    }
    ArmTimer(core_->options.write_timeout);
    asio::async_write(socket_, asio::buffer(out_head_),
                      [self = shared_from_this()](
                          const boost::system::error_code& ec, size_t) {
                        self->OnWritten(ec, /*done=*/self->truncate_at_ == 0 &&
                                                self->out_body_.empty());
                      });
  }

  // After the head or a piece of a paced body.
  void OnWritten(const boost::system::error_code& ec, bool done) {
    if (closed_) return;
    if (timed_out_) return HandleTimeout();
    if (ec) return Close();
    if (!done) {
      if (body_sent_ >= truncate_at_) return FinishResponse();
      if (body_sent_ > 0 && chunk_interval_ > absl::ZeroDuration()) {
        DisarmTimer();
        pace_timer_.expires_after(ToChrono(chunk_interval_));
        pace_timer_.async_wait(
            [self = shared_from_this()](const boost::system::error_code& e) {
              if (self->closed_) return;
              if (e) return self->Close();
              self->WritePiece();
            });
        return;
      }
      return WritePiece();
    }
    FinishResponse();
  }

  void WritePiece() {
    size_t n = truncate_at_ - body_sent_;
    if (chunk_bytes_ > 0) n = std::min(n, chunk_bytes_);
    const size_t offset = body_sent_;
    body_sent_ += n;
    ArmTimer(core_->options.write_timeout);
    asio::async_write(socket_, asio::buffer(out_body_.data() + offset, n),
                      [self = shared_from_this()](
                          const boost::system::error_code& ec, size_t) {
                        self->OnWritten(ec, /*done=*/false);
                      });
  }

  void FinishResponse() {
    DisarmTimer();
    core_->stats.responses.fetch_add(1);
    EndInFlight();
    const bool cut = truncate_at_ < out_body_.size();
    out_body_.clear();
    out_head_.clear();
    if (cut) {
      // Fault emulation: cut mid-body, as a crashed upstream would.
      return Close();
    }
    if (close_) return LingerAndClose();
    ++requests_done_;
    phase_ = Phase::kWaiting;
    NewHeadParser();
    if (buffer_.size() > 0) {
      // A pipelined request is already here.
      phase_ = Phase::kHead;
      ArmTimer(core_->options.head_timeout);
      return Parse();
    }
    ArmTimer(Spread(core_->options.idle_timeout));
    Read();
  }

  // Shut down sending, discard what the client still sends for a bounded
  // time and amount, then close: the client reads the answer, not a reset.
  void LingerAndClose() {
    phase_ = Phase::kLinger;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    linger_left_ = core_->options.linger_bytes;
    ArmTimer(core_->options.linger_timeout);
    LingerRead();
  }
  void LingerRead() {
    buffer_.clear();
    socket_.async_read_some(
        buffer_.prepare(std::min(kReadChunk, buffer_.max_size())),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    size_t n) {
          if (self->closed_) return;
          if (ec || self->timed_out_ || n >= self->linger_left_) {
            return self->Close();
          }
          self->linger_left_ -= n;
          self->LingerRead();
        });
  }

  void EndInFlight() {
    if (in_flight_) {
      in_flight_ = false;
      core_->InFlight(-1);
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    phase_ = Phase::kClosed;
    ++timer_gen_;
    timer_.cancel();
    pace_timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    EndInFlight();
    core_->OnClosed(this, source_);
  }

  friend class ServerCore;

  ServerCore* const core_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::steady_timer pace_timer_;
  beast::flat_buffer buffer_;
  const std::string source_;
  const int source_port_;

  std::optional<bhttp::request_parser<bhttp::empty_body>> head_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  Request request_;
  Phase phase_ = Phase::kWaiting;
  uint64_t timer_gen_ = 0;
  const uint64_t jitter_;
  bool timed_out_ = false;
  Phase timeout_phase_ = Phase::kWaiting;
  bool closed_ = false;
  bool keep_alive_ = false;
  bool is_head_request_ = false;
  bool close_ = false;
  bool close_after_response_ = false;
  bool in_flight_ = false;
  int64_t requests_done_ = 0;
  size_t linger_left_ = 0;

  std::string out_head_;
  std::string out_body_;
  size_t body_sent_ = 0;
  size_t truncate_at_ = 0;
  size_t chunk_bytes_ = 0;
  absl::Duration chunk_interval_;
};

absl::Status ServerCore::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("already started");
    started_ = true;
  }
  boost::system::error_code ec;
  asio::ip::address address;
  if (options.host == "localhost") {
    address = asio::ip::address_v4::loopback();
  } else {
    address = asio::ip::make_address(options.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.name, ": '", options.host, "' is not an IP address"));
    }
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.name, ": port ", options.port, " out of range"));
  }
  const tcp::endpoint endpoint(address,
                               static_cast<unsigned short>(options.port));
  const std::string where = absl::StrCat(options.name, " cannot listen on ",
                                         options.host, ":", options.port, ": ");
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return absl::UnavailableError(where + ec.message());
  // SO_REUSEADDR lets a restart bind while old connections sit in TIME_WAIT;
  // SO_REUSEPORT (never set) would let a second process share the port.
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(std::max(options.backlog, 1), ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return absl::UnavailableError(where + ec.message());
  }
  port.store(acceptor.local_endpoint(ec).port());
  if (options.handler_threads > 0) {
    pool = std::make_unique<HandlerPool>(
        options.handler_threads, std::max<size_t>(1, options.handler_queue));
  }
  asio::post(accept_strand, [this] { Accept(); });
  const int n = std::max(1, options.io_threads);
  running_threads_.store(n);
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this] {
      ioc.run();
      absl::MutexLock lock(&mu_);
      running_threads_.fetch_sub(1);
    });
  }
  return absl::OkStatus();
}

void ServerCore::Accept() {
  acceptor.async_accept(
      asio::make_strand(ioc),
      [this](const boost::system::error_code& ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket));
      });
}

void ServerCore::OnAccept(const boost::system::error_code& ec,
                          tcp::socket socket) {
  if (!acceptor.is_open() || stopping()) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    stats.accept_errors.fetch_add(1);
    // Out of descriptors or memory: the queue cannot drain until something
    // closes, so try again shortly rather than spin.
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](const boost::system::error_code& e) {
      if (!e) Accept();
    });
    return;
  }
  boost::system::error_code e;
  const tcp::endpoint peer = socket.remote_endpoint(e);
  if (e) {
    socket.close(e);
    return Accept();
  }
  std::string source = peer.address().to_string();
  bool admitted = false;
  {
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(connections_.size()) >= options.max_connections) {
      stats.refused_total_cap.fetch_add(1);
    } else if (per_source_[source] >= options.max_connections_per_source) {
      stats.refused_source_cap.fetch_add(1);
    } else {
      ++per_source_[source];
      admitted = true;
    }
    if (!admitted && per_source_[source] == 0) per_source_.erase(source);
  }
  if (!admitted) {
    // At once: the accept queue keeps draining.
    socket.close(e);
    return Accept();
  }
  socket.set_option(tcp::no_delay(true), e);
  stats.connections_accepted.fetch_add(1);
  stats.connections_open.fetch_add(1);
  auto connection = std::make_shared<Connection>(
      this, std::move(socket), std::move(source), peer.port());
  {
    absl::MutexLock lock(&mu_);
    connections_[connection.get()] = connection;
  }
  asio::post(connection->socket_.get_executor(),
             [connection] { connection->Start(); });
  Accept();
}

void ServerCore::OnClosed(Connection* c, const std::string& source) {
  absl::MutexLock lock(&mu_);
  if (connections_.erase(c) == 0) return;
  stats.connections_open.fetch_sub(1);
  auto it = per_source_.find(source);
  if (it != per_source_.end() && --it->second <= 0) per_source_.erase(it);
}

void ServerCore::RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(asio::make_strand(ioc));
  bool accepted = false;
  {
    absl::MutexLock lock(&mu_);
    if (!stopped_) {
      timers_[timer.get()] = timer;
      accepted = true;
    }
  }
  if (!accepted) return;  // fn is destroyed here, outside the lock
  timer->expires_after(ToChrono(delay));
  timer->async_wait([this, timer, f = std::move(fn)](
                        const boost::system::error_code& ec) mutable {
    {
      absl::MutexLock lock(&mu_);
      timers_.erase(timer.get());
    }
    if (!ec) f();
  });
}

void ServerCore::Stop(absl::Duration grace) {
  std::vector<std::weak_ptr<Connection>> connections;
  std::vector<std::weak_ptr<asio::steady_timer>> timers;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_flag_.store(true);
    if (!started_) return;
    for (auto& [ptr, weak] : connections_) connections.push_back(weak);
  }
  // 1. No new connections.
  asio::post(accept_strand, [this] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
  });
  // 2. Connections between requests or still reading one close now.
  for (auto& weak : connections) {
    if (auto c = weak.lock()) {
      asio::post(c->socket_.get_executor(), [c] { c->StopIfIdle(); });
    }
  }
  // 3. Responses in progress get up to `grace`.
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](int* n) { return *n == 0; }, &in_flight_),
                         grace);
    connections.clear();
    for (auto& [ptr, weak] : connections_) connections.push_back(weak);
    for (auto& [ptr, weak] : timers_) timers.push_back(weak);
  }
  // 4. Everything else closes; timers are cancelled (functions dropped).
  for (auto& weak : connections) {
    if (auto c = weak.lock()) {
      asio::post(c->socket_.get_executor(), [c] { c->ForceClose(); });
    }
  }
  for (auto& weak : timers) {
    if (auto t = weak.lock()) {
      asio::post(t->get_executor(), [t] { t->cancel(); });
    }
  }
  // 5. Handler threads: queued tasks are dropped, running ones finish.
  if (pool != nullptr) pool->Shutdown();
  // 6. The I/O threads end once the cancellations have run (bounded).
  work.reset();
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::atomic<int>* n) { return n->load() == 0; },
            &running_threads_),
        kDrainBound);
  }
  ioc.stop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  // Handlers posted after the threads left (late Responders, say) run here,
  // so that none is left holding a connection.
  ioc.restart();
  ioc.poll();
}

}  // namespace internal

Responder::Responder(std::shared_ptr<internal::ServerCore> core,
                     std::shared_ptr<internal::Connection> connection)
    : core_(std::move(core)), connection_(std::move(connection)) {}

Responder::Responder(Responder&& other) noexcept
    : core_(std::move(other.core_)),
      connection_(std::move(other.connection_)) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (connection_ != nullptr) {
      Response r;
      r.SetContent(500, "no response\n", "text/plain; charset=utf-8");
      (*this)(std::move(r));
    }
    core_ = std::move(other.core_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Responder::~Responder() {
  if (connection_ != nullptr) {
    Response r;
    r.SetContent(500, "no response\n", "text/plain; charset=utf-8");
    (*this)(std::move(r));
  }
}

void Responder::operator()(Response response) {
  if (connection_ == nullptr) return;
  std::shared_ptr<internal::Connection> connection = std::move(connection_);
  std::shared_ptr<internal::ServerCore> core = std::move(core_);
  connection->Respond(std::move(response));
  connection.reset();  // before the core that owns its io_context
  core.reset();
}

Server::Server(Options options, Handler handler, HeadCheck check,
               BodyErrorHook on_body_error)
    : core_(std::make_shared<internal::ServerCore>(
          std::move(options), std::move(handler), std::move(check),
          std::move(on_body_error))) {}

Server::~Server() { Stop(); }

absl::Status Server::Start() { return core_->Start(); }

int Server::port() const { return core_->port.load(); }

void Server::Stop(absl::Duration grace) { core_->Stop(grace); }

void Server::RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn) {
  core_->RunAfter(delay, std::move(fn));
}

const ServerStats& Server::stats() const { return core_->stats; }

const Server::Options& Server::options() const { return core_->options; }

absl::StatusOr<uint64_t> RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("getrlimit(RLIMIT_NOFILE) failed");
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return absl::InternalError("setrlimit(RLIMIT_NOFILE) failed");
    }
    limit = raised;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace jumio_gateway::http
