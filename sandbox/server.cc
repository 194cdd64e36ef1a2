#include "sandbox/server.h"

#include <chrono>
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

void SleepMs(int ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
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
      callbacks_(&clock_, absl::Seconds(5)),
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
  const int threads = std::max(4, options_.threads);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Keep-alive connections stay open as long as the client wants (wrk, pooled
  // libcurl).
  http_.set_keep_alive_max_count(1000000);
  http_.set_keep_alive_timeout(30);
  http_.set_read_timeout(10, 0);
  http_.set_write_timeout(10, 0);
  http_.set_tcp_nodelay(true);
  // Room for a maximal image plus multipart framing; anything larger is refused
  // (413) before it is buffered.
  http_.set_payload_max_length(options_.max_image_bytes + 64 * 1024);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(req, res);
  };
  http_.Get(".*", handler);
  http_.Post(".*", handler);
  http_.Put(".*", handler);
  http_.Delete(".*", handler);
  http_.Patch(".*", handler);
  http_.Options(".*", handler);
  http_.set_logger(
      [this](const httplib::Request& req, const httplib::Response& res) {
        LogRequest(req, res);
      });
  // cpp-httplib answers malformed requests itself (400, 411, 413, 414) with an
  // empty body; give those the same problem shape as the sandbox's own errors.
  http_.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        WriteProblem(res, res.status, "request rejected by the HTTP layer");
        return httplib::Server::HandlerResponse::Handled;
      }));
  http_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        WriteProblem(res, 500, "internal error");
      });
  int port = options_.port;
  if (port == 0) {
    port = http_.bind_to_any_port(options_.host);
  } else if (!http_.bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
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
  listener_ = std::thread([this] { http_.listen_after_bind(); });
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
  http_.stop();
  if (listener_.joinable()) listener_.join();
  if (ticker_.joinable()) ticker_.join();
}

bool SandboxServer::RateLimited(const Route& route,
                                const httplib::Request& req) {
  if (!limiter_.enabled()) return false;
  // One tenant (the configured client id), so the bucket key is region plus
  // endpoint class.
  if (route.host_kind == "auth") {
    return !limiter_.Allow(route.region + "/token", {10, 10});
  }
  if (route.host_kind == "account" &&
      (req.method == "POST" || req.method == "PUT")) {
    return !limiter_.Allow(route.region + "/account", {1, 3});
  }
  if (route.host_kind == "retrieval") {
    return !limiter_.Allow(route.region + "/retrieval", {15, 15});
  }
  return false;
}

void SandboxServer::Dispatch(const httplib::Request& req,
                             httplib::Response& res) {
  if (absl::StartsWith(req.path, "/_sandbox/")) return Control(req, res);
  std::optional<Route> route =
      ResolveRoute(req.get_header_value("Host"), req.path);
  if (!route) {
    return WriteProblem(
        res, 404,
        "address a Jumio host as /<region>/<hostkind>/... or with Host: "
        "<hostkind>.<region>.jumio.ai");
  }
  if (req.get_header_value("User-Agent").empty()) {
    return WriteProblem(res, 403, "User-Agent header is required");
  }
  FaultDecision fault = faults_.Decide(route->region, route->host_kind);
  SleepMs(fault.latency_ms);
  switch (fault.action) {
    case FaultAction::kError:
      return WriteProblem(res, fault.error_status, "injected fault");
    case FaultAction::kTooMany:
      res.set_header("Retry-After", absl::StrCat(fault.retry_after_s));
      return WriteProblem(res, 429, "Request limit exceeded");
    default:
      break;
  }
  if (RateLimited(*route, req))
    return WriteProblem(res, 429, "Request limit exceeded");
  service_->Handle(*route, req, res);
  if (fault.action == FaultAction::kMalformed && !res.body.empty()) {
    // Cut the JSON in half so that it cannot parse, keeping status and content
    // type.
    res.body.resize(res.body.size() / 2);
  }
  if (fault.action == FaultAction::kDrop || fault.slow_body_ms > 0) {
    auto body = std::make_shared<std::string>(std::move(res.body));
    const std::string type = res.get_header_value("Content-Type");
    const bool drop = fault.action == FaultAction::kDrop;
    const int slow = fault.slow_body_ms;
    res.body.clear();
    res.set_content_provider(
        body->size(), type.empty() ? "application/json" : type.c_str(),
        [body, drop, slow](size_t offset, size_t, httplib::DataSink& sink) {
          const size_t chunk = slow > 0 ? 64 : body->size();
          if (drop && offset >= body->size() / 2)
            return false;  // closes the connection
          size_t n = std::min(chunk, body->size() - offset);
          if (drop)
            n = std::min(n, std::max<size_t>(1, body->size() / 2 - offset));
          SleepMs(slow);
          sink.write(body->data() + offset, n);
          return true;
        });
  }
}

void SandboxServer::LogRequest(const httplib::Request& req,
                               const httplib::Response& res) {
  if (absl::StartsWith(req.path, "/_sandbox/")) return;
  JournalEntry e;
  e.time = clock_.Now();
  e.method = req.method;
  e.target = req.path;
  std::optional<Route> route =
      ResolveRoute(req.get_header_value("Host"), req.path);
  if (route) {
    e.region = route->region;
    e.host_kind = route->host_kind;
    e.path = route->path;
  } else {
    e.path = req.path;
  }
  auto q = req.target.find('?');
  if (q != std::string::npos) e.query = req.target.substr(q + 1);
  e.status = res.status;
  for (const auto& [k, v] : req.headers) {
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" ||
        k == "LOCAL_PORT") {
      continue;
    }
    e.headers.emplace_back(k, Journal::RedactHeader(k, v));
  }
  e.body = Journal::RedactBody(req.get_header_value("Content-Type"), req.body);
  e.body_bytes = req.body.size();
  journal_.Add(std::move(e));
}

void SandboxServer::Control(const httplib::Request& req,
                            httplib::Response& res) {
  const std::string path = req.path.substr(std::string("/_sandbox/").size());
  auto json = [&res](std::string body) {
    res.set_content(std::move(body), "application/json");
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
    JournalFilter f;
    f.region = req.get_param_value("region");
    f.host_kind = req.get_param_value("hostKind");
    f.method = req.get_param_value("method");
    f.path_prefix = req.get_param_value("pathPrefix");
    uint64_t after = 0;
    if (absl::SimpleAtoi(req.get_param_value("after"), &after))
      f.after_seq = after;
    size_t limit = 0;
    if (absl::SimpleAtoi(req.get_param_value("limit"), &limit)) f.limit = limit;
    return json(journal_.ToJson(f));
  }
  if (path == "callbacks") return json(callbacks_.DeliveriesJson());
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
        "{\"now\":\"",
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_.Now(),
                         absl::UTCTimeZone()),
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
