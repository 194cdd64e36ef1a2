#include "server/callbacks/receiver.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/callbacks/parse.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;

namespace {

constexpr int kListenBacklog = 1024;

constexpr char kRoute[] = R"(/callbacks/v1(?:/([A-Za-z0-9_-]{1,128}))?/?)";

bool IsJson(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media),
                                "application/json");
}

void Reply(httplib::Response& res, int status, absl::string_view body) {
  res.status = status;
  res.set_content(std::string(body), "application/json");
}

}  // namespace

Receiver::Receiver(Options options, const SourcePolicy* policy,
                   const CallbackUrlIssuer* tokens, CallbackLog* log,
                   CallbackStats* stats, observability::Logger* logger,
                   StoredCallback on_stored, std::function<absl::Time()> clock)
    : options_(std::move(options)),
      policy_(policy),
      tokens_(tokens),
      log_(log),
      stats_(stats),
      logger_(logger),
      on_stored_(std::move(on_stored)),
      clock_(std::move(clock)),
      server_(std::make_unique<httplib::Server>()) {}

Receiver::~Receiver() { Stop(); }

absl::Status Receiver::Start() {
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  s.set_read_timeout(absl::ToChronoMicroseconds(options_.read_timeout));
  s.set_write_timeout(std::chrono::seconds(5));
  s.set_payload_max_length(options_.max_body_bytes);
  // The response goes out in two writes (head, body); without NODELAY the
  // second waits for the sender's delayed ACK, 40 ms per callback.
  s.set_tcp_nodelay(true);
  // cpp-httplib listens with a backlog of 5; under a burst of concurrent
  // callbacks, dropped SYNs cost senders a 1 s retransmit. Keep the socket
  // and listen again with a deep backlog after binding (Linux updates it).
  s.set_socket_options([this](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = sock;
  });
  s.Post(kRoute, [this](const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) {
    HandlePost(req, res, reader);
  });
  auto wrong_method = [this](const httplib::Request& req,
                             httplib::Response& res) {
    stats_->received.fetch_add(1);
    Reject(res, RejectReason::kMethodNotAllowed, req.remote_addr, req.method);
    res.set_header("Allow", "POST");
  };
  s.Get(kRoute, wrong_method);
  s.Put(kRoute, wrong_method);
  s.Patch(kRoute, wrong_method);
  s.Delete(kRoute, wrong_method);
  s.Options(kRoute, wrong_method);
  if (options_.port == 0) {
    port_ = s.bind_to_any_port(options_.host);
    if (port_ < 0) port_ = 0;
  } else if (s.bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("callback receiver cannot listen on ", options_.host, ":",
                     options_.port));
  }
  if (listen_socket_ >= 0) ::listen(listen_socket_, kListenBacklog);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return absl::OkStatus();
}

void Receiver::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void Receiver::Reject(httplib::Response& res, RejectReason reason,
                      const std::string& sender, const std::string& detail) {
  stats_->rejected[static_cast<size_t>(reason)].fetch_add(1);
  // The connection may hold an unread body: never reuse it.
  res.set_header("Connection", "close");
  Reply(res, RejectReasonHttpStatus(reason),
        absl::StrCat(R"({"error":")", RejectReasonName(reason), R"("})"));
  if (logger_ != nullptr) {
    // The sender is Jumio's (or an attacker's) server address, not an end
    // user's; the detail never carries body values or the token.
    logger_->Warning("callback rejected", {{"reason", RejectReasonName(reason)},
                                           {"sender", sender},
                                           {"detail", detail}});
  }
}

void Receiver::HandlePost(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
  stats_->received.fetch_add(1);
  const absl::Time start = clock_();

  // 1. Sender.
  const SourcePolicy::Decision source =
      policy_->Check(req.remote_addr, req.get_header_value("X-Forwarded-For"));
  if (!source.allowed) {
    return Reject(res, RejectReason::kSourceNotAllowed, source.sender,
                  source.via_proxy ? "via trusted proxy" : "direct");
  }
  // 2. Method is POST by routing; content type.
  if (!IsJson(req.get_header_value("Content-Type"))) {
    return Reject(res, RejectReason::kUnsupportedMediaType, source.sender,
                  "content type is not application/json");
  }
  // 3. Declared size.
  const bool chunked = absl::StrContains(
      absl::AsciiStrToLower(req.get_header_value("Transfer-Encoding")),
      "chunked");
  if (!chunked) {
    uint64_t length = 0;
    if (!req.has_header("Content-Length") ||
        !absl::SimpleAtoi(req.get_header_value("Content-Length"), &length)) {
      return Reject(res, RejectReason::kLengthRequired, source.sender,
                    "no Content-Length");
    }
    if (length > options_.max_body_bytes) {
      return Reject(res, RejectReason::kBodyTooLarge, source.sender,
                    absl::StrCat("declared ", length, " bytes"));
    }
  }
  // 4. Body, with a size cap and a total time bound.
  std::string body;
  bool too_large = false;
  bool too_slow = false;
  const absl::Time deadline = start + options_.body_timeout;
  const bool read_ok = reader([&](const char* data, size_t len) {
    if (body.size() + len > options_.max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, len);
    if (clock_() > deadline) {
      too_slow = true;
      return false;
    }
    return true;
  });
  if (too_large) {
    return Reject(res, RejectReason::kBodyTooLarge, source.sender,
                  "body over the limit");
  }
  if (too_slow || !read_ok) {
    // !read_ok without a cause of ours: the peer stalled past read_timeout
    // or hung up mid-body.
    return Reject(
        res, RejectReason::kBodyTimeout, source.sender,
        too_slow ? "body slower than the time bound" : "body incomplete");
  }
  // 5. Shape.
  ParsedCallback parsed =
      ParseCallback(body, options_.default_region, clock_());
  if (parsed.failure == ParseFailure::kMalformedJson) {
    return Reject(res, RejectReason::kMalformedJson, source.sender,
                  parsed.error);
  }
  if (parsed.failure == ParseFailure::kInvalidShape) {
    return Reject(res, RejectReason::kInvalidShape, source.sender,
                  parsed.error);
  }
  if (parsed.failure == ParseFailure::kUnstorable) {
    return Reject(res, RejectReason::kUnstorable, source.sender, parsed.error);
  }
  v1::Callback& cb = parsed.callback;
  // 6. Token.
  const std::string token = req.matches.size() > 1 ? req.matches[1].str() : "";
  if (token.empty()) {
    if (options_.require_token) {
      return Reject(res, RejectReason::kBadToken, source.sender,
                    "no token in the URL");
    }
  } else {
    v1::Region bound = v1::REGION_UNSPECIFIED;
    const TokenVerdict verdict =
        tokens_->Verify(token, cb.workflow_execution().account_id(), &bound);
    if (verdict == TokenVerdict::kStoreError) {
      return Reject(res, RejectReason::kStoreUnavailable, source.sender,
                    "token binding unreadable");
    }
    if (verdict == TokenVerdict::kUnbound) {
      return Reject(res, RejectReason::kTokenUnbound, source.sender,
                    TokenVerdictName(verdict));
    }
    if (verdict != TokenVerdict::kOk) {
      return Reject(res, RejectReason::kBadToken, source.sender,
                    TokenVerdictName(verdict));
    }
    if (!parsed.region_from_href && bound != v1::REGION_UNSPECIFIED &&
        bound != cb.region()) {
      // The binding knows the account's region better than the default.
      ParsedCallback again = ParseCallback(body, bound, clock_());
      again.callback.mutable_receive_time()->CopyFrom(cb.receive_time());
      cb = std::move(again.callback);
    }
  }
  // 7. Durable, then 200.
  absl::StatusOr<AppendResult> stored = log_->Append(cb, DedupKey(cb));
  if (!stored.ok()) {
    return Reject(res, RejectReason::kStoreUnavailable, source.sender,
                  std::string(stored.status().message()));
  }
  if (stored->duplicate) {
    stats_->duplicates.fetch_add(1);
  } else {
    stats_->stored.fetch_add(1);
    cb.set_cursor(stored->cursor);
    if (on_stored_) on_stored_(cb);
  }
  Reply(res, 200,
        stored->duplicate ? R"({"status":"duplicate"})"
                          : R"({"status":"stored"})");
}

}  // namespace jumio_gateway::callbacks
