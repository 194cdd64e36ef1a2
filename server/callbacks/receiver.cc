#include "server/callbacks/receiver.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/callbacks/parse.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;

namespace {

constexpr char kRouteBase[] = "/callbacks/v1";
constexpr size_t kMaxTokenLength = 128;
// Stop(): how long durable appends in flight get to finish.
constexpr absl::Duration kStopGrace = absl::Seconds(5);

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_';
}

// Matches /callbacks/v1, /callbacks/v1/ and /callbacks/v1/<token>[/] with a
// token of [A-Za-z0-9_-]{1,128}; `*token` is "" when there is none.
bool MatchRoute(absl::string_view path, std::string* token) {
  if (!absl::ConsumePrefix(&path, kRouteBase)) return false;
  if (path.empty() || path == "/") {
    token->clear();
    return true;
  }
  if (!absl::ConsumePrefix(&path, "/")) return false;
  absl::ConsumeSuffix(&path, "/");
  if (path.empty() || path.size() > kMaxTokenLength) return false;
  for (char c : path) {
    if (!IsTokenChar(c)) return false;
  }
  *token = std::string(path);
  return true;
}

bool IsJson(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media),
                                "application/json");
}

http::Response JsonReply(int status, absl::string_view body) {
  http::Response r;
  r.SetContent(status, std::string(body), "application/json");
  return r;
}

}  // namespace

Receiver::Receiver(Options options, const SourcePolicy* policy,
                   const CallbackUrlIssuer* tokens, CallbackLog* log,
                   CallbackStats* stats, observability::Logger* logger,
                   StoredCallback on_stored, const core::Clock& clock)
    : options_(std::move(options)),
      policy_(policy),
      tokens_(tokens),
      log_(log),
      stats_(stats),
      logger_(logger),
      on_stored_(std::move(on_stored)),
      clock_(clock) {}

Receiver::~Receiver() { Stop(); }

absl::Status Receiver::Start() {
  if (server_ != nullptr) return absl::FailedPreconditionError("started");
  http::Server::Options o;
  o.name = "callback receiver";
  o.host = options_.host;
  o.port = options_.port;
  o.io_threads = 1;
  o.handler_threads = std::max(1, options_.threads);
  o.handler_queue = options_.queue_limit;
  o.head_timeout = options_.read_timeout;
  o.body_timeout = options_.body_timeout;
  o.idle_timeout = options_.idle_timeout;
  o.max_body_bytes = options_.max_body_bytes;
  o.max_connections = options_.max_connections;
  o.max_connections_per_source = options_.max_connections_per_source;
  server_ = std::make_unique<http::Server>(
      o,
      [this](http::Request req, http::Responder respond) {
        HandlePost(std::move(req), std::move(respond));
      },
      [this](const http::Request& head) { return CheckHead(head); },
      [this](const http::Request& head, http::BodyError error,
             http::Response& answer) { OnBodyError(head, error, answer); });
  absl::Status s = server_->Start();
  if (!s.ok()) server_.reset();
  return s;
}

void Receiver::Stop() {
  if (server_ != nullptr) server_->Stop(kStopGrace);
}

http::Response Receiver::Reject(RejectReason reason, const std::string& sender,
                                const std::string& detail) {
  stats_->rejected[static_cast<size_t>(reason)].fetch_add(1);
  http::Response res = JsonReply(
      RejectReasonHttpStatus(reason),
      absl::StrCat(R"({"error":")", RejectReasonName(reason), R"("})"));
  // The connection may hold an unread body: never reuse it.
  res.close = true;
  if (logger_ != nullptr) {
    // The sender is Jumio's (or an attacker's) server address, not an end
    // user's; the detail never carries body values or the token.
    logger_->Warning("callback rejected", {{"reason", RejectReasonName(reason)},
                                           {"sender", sender},
                                           {"detail", detail}});
  }
  return res;
}

// On the I/O thread: cheap, non-blocking checks only (no store access).
http::HeadDecision Receiver::CheckHead(const http::Request& req) {
  std::string token;
  const bool route = MatchRoute(req.path, &token);
  // 1. Sender.
  const SourcePolicy::Decision source =
      policy_->Check(req.remote_address, req.Header("X-Forwarded-For"));
  if (!source.allowed) {
    stats_->received.fetch_add(1);
    return http::HeadDecision::Answer(
        Reject(RejectReason::kSourceNotAllowed, source.sender,
               source.via_proxy ? "via trusted proxy" : "direct"));
  }
  // 2. Method, 3. path.
  if (!route) {
    http::Response r = JsonReply(404, R"({"error":"not_found"})");
    r.close = true;
    return http::HeadDecision::Answer(std::move(r));
  }
  stats_->received.fetch_add(1);
  if (req.method != "POST") {
    http::Response r =
        Reject(RejectReason::kMethodNotAllowed, source.sender, "not POST");
    r.SetHeader("Allow", "POST");
    return http::HeadDecision::Answer(std::move(r));
  }
  // 4. Token, from the URL alone (its binding to the body's account is
  // checked after the parse).
  if (token.empty()) {
    if (options_.require_token) {
      return http::HeadDecision::Answer(Reject(
          RejectReason::kBadToken, source.sender, "no token in the URL"));
    }
  } else if (const TokenVerdict verdict = tokens_->PreVerify(token);
             verdict != TokenVerdict::kOk) {
    return http::HeadDecision::Answer(Reject(
        RejectReason::kBadToken, source.sender, TokenVerdictName(verdict)));
  }
  // 5. Content type.
  if (!IsJson(req.Header("Content-Type"))) {
    return http::HeadDecision::Answer(
        Reject(RejectReason::kUnsupportedMediaType, source.sender,
               "content type is not application/json"));
  }
  // 6. Declared size (a chunked body is capped while it is read).
  const bool chunked = absl::StrContains(
      absl::AsciiStrToLower(req.Header("Transfer-Encoding")), "chunked");
  if (!chunked) {
    uint64_t length = 0;
    if (!req.HasHeader("Content-Length") ||
        !absl::SimpleAtoi(req.Header("Content-Length"), &length)) {
      return http::HeadDecision::Answer(Reject(
          RejectReason::kLengthRequired, source.sender, "no Content-Length"));
    }
    if (length > options_.max_body_bytes) {
      return http::HeadDecision::Answer(
          Reject(RejectReason::kBodyTooLarge, source.sender,
                 absl::StrCat("declared ", length, " bytes")));
    }
  }
  return http::HeadDecision::Continue(options_.max_body_bytes);
}

void Receiver::OnBodyError(const http::Request& head, http::BodyError error,
                           http::Response& answer) {
  const SourcePolicy::Decision source =
      policy_->Check(head.remote_address, head.Header("X-Forwarded-For"));
  switch (error) {
    case http::BodyError::kTooLarge:
      answer = Reject(RejectReason::kBodyTooLarge, source.sender,
                      "body over the limit");
      return;
    case http::BodyError::kTimeout:
      answer = Reject(RejectReason::kBodyTimeout, source.sender,
                      "body slower than the time bound");
      return;
    case http::BodyError::kMalformed:
      answer = Reject(RejectReason::kMalformedJson, source.sender,
                      "bad chunked framing");
      return;
    case http::BodyError::kIncomplete:
      // The peer hung up mid-body: nothing can be answered.
      answer =
          Reject(RejectReason::kBodyTimeout, source.sender, "body incomplete");
      return;
  }
}

// On the handler pool: parsing, the binding lookup and the durable append.
void Receiver::HandlePost(http::Request req, http::Responder respond) {
  const std::string sender =
      policy_->Check(req.remote_address, req.Header("X-Forwarded-For")).sender;
  std::string token;
  MatchRoute(req.path, &token);
  // 7. Shape.
  ParsedCallback parsed =
      ParseCallback(req.body, options_.default_region, clock_.Now());
  if (parsed.failure == ParseFailure::kMalformedJson) {
    return respond(Reject(RejectReason::kMalformedJson, sender, parsed.error));
  }
  if (parsed.failure == ParseFailure::kInvalidShape) {
    return respond(Reject(RejectReason::kInvalidShape, sender, parsed.error));
  }
  if (parsed.failure == ParseFailure::kUnstorable) {
    return respond(Reject(RejectReason::kUnstorable, sender, parsed.error));
  }
  v1::Callback& cb = parsed.callback;
  // 8. The token belongs to the body's account.
  if (!token.empty()) {
    v1::Region bound = v1::REGION_UNSPECIFIED;
    const TokenVerdict verdict =
        tokens_->Verify(token, cb.workflow_execution().account_id(), &bound);
    if (verdict == TokenVerdict::kStoreError) {
      return respond(Reject(RejectReason::kStoreUnavailable, sender,
                            "token binding unreadable"));
    }
    if (verdict == TokenVerdict::kUnbound) {
      return respond(Reject(RejectReason::kTokenUnbound, sender,
                            TokenVerdictName(verdict)));
    }
    if (verdict != TokenVerdict::kOk) {
      return respond(
          Reject(RejectReason::kBadToken, sender, TokenVerdictName(verdict)));
    }
    if (!parsed.region_from_href && bound != v1::REGION_UNSPECIFIED &&
        bound != cb.region()) {
      // The binding knows the account's region better than the default.
      ParsedCallback again = ParseCallback(req.body, bound, clock_.Now());
      again.callback.mutable_receive_time()->CopyFrom(cb.receive_time());
      cb = std::move(again.callback);
    }
  }
  // 9. Durable, then 200.
  absl::StatusOr<AppendResult> stored = log_->Append(cb, DedupKey(cb));
  if (!stored.ok()) {
    return respond(Reject(RejectReason::kStoreUnavailable, sender,
                          std::string(stored.status().message())));
  }
  if (stored->duplicate) {
    stats_->duplicates.fetch_add(1);
  } else {
    stats_->stored.fetch_add(1);
    cb.set_cursor(stored->cursor);
    if (on_stored_) on_stored_(cb);
  }
  respond(JsonReply(200, stored->duplicate ? R"({"status":"duplicate"})"
                                           : R"({"status":"stored"})"));
}

}  // namespace jumio_gateway::callbacks
