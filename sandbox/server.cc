#include "sandbox/server.h"

#include <algorithm>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "server/core/json.h"

namespace jumio::sandbox {
namespace {

bool KnownRegion(absl::string_view r) {
  for (const char* k : kRegions) {
    if (r == k) return true;
  }
  return false;
}

bool KnownHostKind(absl::string_view h) {
  for (const char* k : kHostKinds) {
    if (h == k) return true;
  }
  return false;
}

namespace http = jumio_gateway::http;

// Room for a maximal image plus its multipart framing.
constexpr size_t kFramingBytes = 64 * 1024;

const char* BodyErrorDetail(http::BodyError error) {
  switch (error) {
    case http::BodyError::kTooLarge:
      return "request body is larger than the sandbox accepts";
    case http::BodyError::kTimeout:
      return "request body did not arrive in time";
    case http::BodyError::kMalformed:
      return "request body framing is malformed";
    case http::BodyError::kIncomplete:
      return "request body ended early";
  }
  return "request body rejected";
}

}  // namespace

std::optional<Route> ResolveRoute(const std::string& host_header,
                                  const std::string& path) {
  // Path prefix first: it is what the documented client configuration uses.
  std::vector<absl::string_view> parts =
      absl::StrSplit(path, absl::MaxSplits('/', 3));
  // parts: "", region, kind, rest
  if (parts.size() >= 3 && parts[0].empty() && KnownRegion(parts[1]) &&
      KnownHostKind(parts[2])) {
    Route r{std::string(parts[1]), std::string(parts[2]),
            parts.size() == 4 ? absl::StrCat("/", parts[3]) : "/"};
    return r;
  }
  // Host header: <kind>.<region>.jumio.ai[:port]
  absl::string_view host = host_header;
  host = host.substr(0, host.find(':'));
  std::vector<absl::string_view> labels = absl::StrSplit(host, '.');
  if (labels.size() == 4 && labels[2] == "jumio" && labels[3] == "ai" &&
      KnownHostKind(labels[0]) && KnownRegion(labels[1])) {
    return Route{std::string(labels[1]), std::string(labels[0]),
                 path.empty() ? "/" : path};
  }
  return std::nullopt;
}

SandboxServer::SandboxServer(ServerOptions options)
    : options_(std::move(options)),
      ids_(options_.seed != 0 ? options_.seed : std::random_device{}()),
      auth_(&clock_, &ids_, options_.client_id, options_.client_secret,
            options_.token_ttl / std::max(options_.time_scale, 1e-9)),
      callbacks_(&clock_, absl::Seconds(5), &ids_),
      journal_(options_.journal_capacity),
      faults_(&ids_),
      limiter_(&clock_, options_.rate_limits) {}

SandboxServer::~SandboxServer() { Stop(); }

absl::StatusOr<int> SandboxServer::Start() {
  if (!options_.faults_json.empty()) {
    auto specs = Faults::Parse(options_.faults_json);
    if (!specs.ok()) return specs.status();
    faults_.Replace(*specs);
  }
  if (!options_.callback_faults_json.empty()) {
    auto faults = CallbackFaults::Parse(options_.callback_faults_json);
    if (!faults.ok()) return faults.status();
    callbacks_.SetFaults(*faults);
  }
  http::Server::Options o;
  o.name = "jumio-sandbox";
  o.host = options_.host;
  o.port = options_.port;
  o.backlog = 4096;
  o.io_threads = std::max(1, options_.io_threads);
  o.handler_threads = std::max(1, options_.handler_threads);
  // Waiting requests cost no thread; latency faults park them on timers, not
  // in this queue, so it only has to absorb bursts of arrivals.
  o.handler_queue = 16384;
  o.head_timeout = absl::Seconds(10);
  o.body_timeout = absl::Seconds(30);
  // Pooled keep-alive clients (the gateway's libcurl, wrk) keep their
  // connections between bursts, as cpp-httplib's 30 s allowed.
  o.idle_timeout = absl::Seconds(30);
  o.write_timeout = absl::Seconds(10);
  o.max_body_bytes = options_.max_image_bytes + kFramingBytes;
  o.max_connections = std::max(1, options_.max_connections);
  o.max_connections_per_source = o.max_connections;
  http_ = std::make_unique<http::Server>(
      o,
      [this](http::Request req, http::Responder responder) {
        if (!ready_.HasBeenNotified()) {
          // Only reachable on a fixed port in the moment before Start returns.
          http::Response r;
          WriteProblem(r, 503, "sandbox is starting");
          r.SetHeader("Retry-After", "1");
          return responder(std::move(r));
        }
        Dispatch(req, std::move(responder));
      },
      nullptr,
      [this](const http::Request& head, http::BodyError error,
             http::Response& answer) {
        // The same problem shape as the sandbox's own errors.
        WriteProblem(answer, answer.status, BodyErrorDetail(error));
        LogRequest(head, answer.status);
      });
  absl::Status started = http_->Start();
  if (!started.ok()) return started;
  const int port = http_->port();
  ServiceOptions so;
  so.public_base_url = options_.public_base_url.empty()
                           ? absl::StrCat("http://", options_.host, ":", port)
                           : options_.public_base_url;
  while (absl::EndsWith(so.public_base_url, "/")) so.public_base_url.pop_back();
  so.processing_delay = options_.processing_delay;
  so.time_scale = options_.time_scale;
  so.max_image_bytes = options_.max_image_bytes;
  so.accept_pdf_parts = options_.accept_pdf_parts;
  so.allow_http_callbacks = options_.allow_http_callbacks;
  service_ = std::make_unique<Service>(so, &clock_, &ids_, &auth_, &callbacks_);
  ready_.Notify();
  ticker_ = std::thread([this] {
    absl::MutexLock lock(&stop_mu_);
    while (!stopping_) {
      stop_mu_.Unlock();
      service_->Tick();
      stop_mu_.Lock();
      // Processing and expiry resolve within 10 ms of becoming due.
      stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                                absl::Milliseconds(10));
    }
  });
  return port;
}

void SandboxServer::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  // Responses being written get a moment; requests parked on injected latency
  // are dropped with the server's timers.
  if (http_ != nullptr) http_->Stop(absl::Seconds(1));
  if (ticker_.joinable()) ticker_.join();
}

std::optional<absl::Duration> SandboxServer::RateLimited(
    const Route& route, const http::Request& req) {
  if (!limiter_.enabled()) return std::nullopt;
  // One tenant (the configured client id), so the bucket key is region plus
  // endpoint class.
  std::string key;
  RateLimit limit;
  if (route.host_kind == "auth") {
    key = "/token";
    limit = {10, 10};
  } else if (route.host_kind == "account" &&
             (req.method == "POST" || req.method == "PUT")) {
    key = "/account";
    limit = {options_.account_rate,
             static_cast<double>(options_.account_burst)};
  } else if (route.host_kind == "retrieval") {
    key = "/retrieval";
    limit = {15, 15};
  } else {
    return std::nullopt;
  }
  absl::Duration retry_after;
  if (limiter_.Allow(route.region + key, limit, &retry_after)) {
    return std::nullopt;
  }
  return retry_after;
}

void SandboxServer::Dispatch(const http::Request& req, Completion done) {
  http::Response res;
  const absl::Duration delay = Respond(req, res);
  // Journaled when decided, so that the entry is there before the client has
  // its answer, latency or not.
  LogRequest(req, res.status);
  if (delay <= absl::ZeroDuration()) return done(std::move(res));
  // Injected latency holds a timer, not a thread.
  http_->RunAfter(delay,
                  [done = std::move(done), res = std::move(res)]() mutable {
                    done(std::move(res));
                  });
}

absl::Duration SandboxServer::Respond(const http::Request& req,
                                      http::Response& res) {
  if (absl::StartsWith(req.path, "/_sandbox/")) {
    Control(req, res);
    return absl::ZeroDuration();
  }
  std::optional<Route> route = ResolveRoute(req.Header("Host"), req.path);
  if (!route) {
    WriteProblem(res, 404,
                 "address a Jumio host as /<region>/<hostkind>/... or with "
                 "Host: <hostkind>.<region>.jumio.ai");
    return absl::ZeroDuration();
  }
  if (req.Header("User-Agent").empty()) {
    WriteProblem(res, 403, "User-Agent header is required");
    return absl::ZeroDuration();
  }
  const FaultDecision fault = faults_.Decide(route->region, route->host_kind);
  const absl::Duration latency = absl::Milliseconds(fault.latency_ms);
  switch (fault.action) {
    case FaultAction::kError:
      WriteProblem(res, fault.error_status, "injected fault");
      return latency;
    case FaultAction::kTooMany:
      WriteProblem(res, 429, "Request limit exceeded");
      res.SetHeader("Retry-After", absl::StrCat(fault.retry_after_s));
      return latency;
    default:
      break;
  }
  if (const std::optional<absl::Duration> retry_after =
          RateLimited(*route, req)) {
    WriteProblem(res, 429, "Request limit exceeded");
    // Whole seconds (RFC 9110), rounded up: retrying then finds a token.
    res.SetHeader("Retry-After", absl::StrCat(std::max<int64_t>(
                                     1, absl::ToInt64Seconds(absl::Ceil(
                                            *retry_after, absl::Seconds(1))))));
    return latency;
  }
  service_->Handle(*route, req, res);
  if (fault.action == FaultAction::kMalformed && !res.body.empty()) {
    // Cut the JSON in half so that it cannot parse, keeping status and content
    // type.
    res.body.resize(res.body.size() / 2);
  }
  if (fault.action == FaultAction::kDrop) {
    // Content-Length announces the whole body; the connection is cut halfway.
    res.truncate_after = res.body.size() / 2;
    res.close = true;
  }
  if (fault.slow_body_ms > 0) {
    res.chunk_bytes = 64;
    res.chunk_interval = absl::Milliseconds(fault.slow_body_ms);
  }
  if (res.Header("Content-Type").empty() &&
      (fault.action == FaultAction::kDrop || fault.slow_body_ms > 0)) {
    res.SetHeader("Content-Type", "application/json");
  }
  return latency;
}

void SandboxServer::LogRequest(const http::Request& req, int status) {
  if (absl::StartsWith(req.path, "/_sandbox/")) return;
  JournalEntry e;
  e.time = clock_.Now();
  e.method = req.method;
  e.target = req.path;
  std::optional<Route> route = ResolveRoute(req.Header("Host"), req.path);
  if (route) {
    e.region = route->region;
    e.host_kind = route->host_kind;
    e.path = route->path;
  } else {
    e.path = req.path;
  }
  e.query = req.query;
  e.status = status;
  for (const auto& [k, v] : req.headers) {
    e.headers.emplace_back(k, Journal::RedactHeader(k, v));
  }
  e.body = Journal::RedactBody(req.Header("Content-Type"), req.body);
  e.body_bytes = req.body.size();
  journal_.Add(std::move(e));
}

void SandboxServer::Control(const http::Request& req, http::Response& res) {
  const std::string path = req.path.substr(std::string("/_sandbox/").size());
  auto json = [&res](std::string body) {
    res.SetContent(200, std::move(body), "application/json");
  };
  if (path == "health") return json("{\"status\":\"UP\"}");
  if (path == "faults") {
    if (req.method == "GET") return json(faults_.ToJson());
    if (req.method == "DELETE") {
      faults_.Replace({});
      return json(faults_.ToJson());
    }
    if (req.method == "PUT" || req.method == "POST") {
      auto specs = Faults::Parse(req.body);
      if (!specs.ok()) {
        return WriteProblem(res, 400, std::string(specs.status().message()),
                            FieldOf(specs.status()));
      }
      if (req.method == "PUT") {
        faults_.Replace(*specs);
      } else {
        faults_.Add(*specs);
      }
      return json(faults_.ToJson());
    }
    return WriteProblem(res, 405, "GET, PUT, POST or DELETE");
  }
  if (path == "journal") {
    if (req.method == "DELETE") {
      journal_.Clear();
      return json("{\"entries\":[]}");
    }
    const auto params = http::ParseQuery(req.query);
    JournalFilter f;
    f.region = http::QueryValue(params, "region");
    f.host_kind = http::QueryValue(params, "hostKind");
    f.method = http::QueryValue(params, "method");
    f.path_prefix = http::QueryValue(params, "pathPrefix");
    uint64_t after = 0;
    if (absl::SimpleAtoi(http::QueryValue(params, "after"), &after))
      f.after_seq = after;
    size_t limit = 0;
    if (absl::SimpleAtoi(http::QueryValue(params, "limit"), &limit))
      f.limit = limit;
    return json(journal_.ToJson(f));
  }
  if (path == "callbacks") return json(callbacks_.DeliveriesJson());
  if (path == "callback-faults") {
    if (req.method == "PUT") {
      auto faults = CallbackFaults::Parse(req.body);
      if (!faults.ok()) {
        return WriteProblem(res, 400, std::string(faults.status().message()),
                            FieldOf(faults.status()));
      }
      callbacks_.SetFaults(*faults);
    } else if (req.method == "DELETE") {
      callbacks_.SetFaults(CallbackFaults());
    } else if (req.method != "GET") {
      return WriteProblem(res, 405, "GET, PUT or DELETE");
    }
    return json(callbacks_.faults().ToJson());
  }
  if (path == "clock") {
    if (req.method == "POST") {
      rapidjson::Document d;
      if (!jumio_gateway::core::ParseJson(req.body, &d).ok() || !d.IsObject() ||
          !d.HasMember("advanceSeconds") || !d["advanceSeconds"].IsNumber() ||
          d["advanceSeconds"].GetDouble() < 0) {
        return WriteProblem(
            res, 400,
            "body must be {\"advanceSeconds\": <non-negative number>}",
            "advanceSeconds");
      }
      clock_.Advance(absl::Seconds(d["advanceSeconds"].GetDouble()));
    }
    return json(absl::StrCat(
        "{\"now\":\"", FormatTimestamp(clock_.Now()),
        "\",\"offsetSeconds\":", absl::ToDoubleSeconds(clock_.offset()), "}"));
  }
  if (path == "ratelimits") {
    if (req.method == "PUT") {
      rapidjson::Document d;
      if (!jumio_gateway::core::ParseJson(req.body, &d).ok() || !d.IsObject() ||
          !d.HasMember("enabled") || !d["enabled"].IsBool()) {
        return WriteProblem(res, 400, "body must be {\"enabled\": true|false}",
                            "enabled");
      }
      limiter_.set_enabled(d["enabled"].GetBool());
    }
    return json(absl::StrCat(
        "{\"enabled\":", limiter_.enabled() ? "true" : "false", "}"));
  }
  if (absl::StartsWith(path, "status/") && req.method == "PUT") {
    absl::Status s = service_->SetHealth(path.substr(7), req.body);
    if (!s.ok()) {
      return WriteProblem(res, absl::IsNotFound(s) ? 404 : 400,
                          std::string(s.message()));
    }
    return json(req.body);
  }
  WriteProblem(res, 404, "unknown control endpoint");
}

}  // namespace jumio::sandbox
