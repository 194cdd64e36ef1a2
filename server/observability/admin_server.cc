#include "server/observability/admin_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::observability {
namespace {

// Scrapes and probes are small and few; two handler threads keep one slow
// scrape (before_scrape may read the callback store) from delaying a probe,
// and the I/O thread never waits on either.
constexpr int kHandlerThreads = 2;
constexpr size_t kHandlerQueue = 64;
constexpr size_t kMaxBodyBytes = 1024;
constexpr absl::Duration kStopGrace = absl::Seconds(2);

bool KnownPath(const std::string& path) {
  return path == "/metrics" || path == "/healthz" || path == "/readyz";
}

http::Response Text(int status, std::string body) {
  http::Response r;
  r.SetContent(status, std::move(body), "text/plain; charset=utf-8");
  return r;
}

}  // namespace

absl::Status ParseListenAddress(const std::string& listen, std::string& host,
                                int& port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin listen address '", listen, "' is not host:port"));
  }
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535 || host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin listen address '", listen, "' is not host:port"));
  }
  return absl::OkStatus();
}

AdminServer::AdminServer(const Registry& registry, Options options)
    : registry_(registry), options_(std::move(options)) {}

AdminServer::~AdminServer() { Stop(); }

absl::Status AdminServer::Start() {
  if (server_ != nullptr) return absl::FailedPreconditionError("started");
  std::string host;
  int requested_port = 0;
  if (absl::Status s =
          ParseListenAddress(options_.listen, host, requested_port);
      !s.ok()) {
    return s;
  }
  http::Server::Options o;
  o.name = "admin server";
  o.host = host;
  o.port = requested_port;
  // Two I/O threads: a burst of attacker connections timing out or
  // reconnecting on one never queues a probe behind it on the other.
  o.io_threads = 2;
  o.handler_threads = kHandlerThreads;
  o.handler_queue = kHandlerQueue;
  o.max_body_bytes = kMaxBodyBytes;
  auto server = std::make_unique<http::Server>(
      o,
      [this](http::Request request, http::Responder respond) {
        http::Response response;
        Handle(request, response);
        respond(std::move(response));
      },
      [](const http::Request& head) {
        if (!KnownPath(head.path)) {
          http::Response r = Text(404, "not found\n");
          r.close = true;
          return http::HeadDecision::Answer(std::move(r));
        }
        if (head.method != "GET" && head.method != "HEAD") {
          http::Response r = Text(405, "method not allowed\n");
          r.SetHeader("Allow", "GET, HEAD");
          r.close = true;
          return http::HeadDecision::Answer(std::move(r));
        }
        return http::HeadDecision::Continue();
      });
  if (absl::Status s = server->Start(); !s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen, ": ", s.message()));
  }
  port_ = server->port();
  server_ = std::move(server);
  return absl::OkStatus();
}

void AdminServer::Handle(const http::Request& request,
                         http::Response& response) {
  if (request.path == "/metrics") {
    if (options_.before_scrape) options_.before_scrape();
    response.SetContent(200, SerializeText(registry_.Collect()),
                        kTextContentType);
    return;
  }
  if (request.path == "/healthz") {
    response = Text(200, "ok\n");
    return;
  }
  absl::Status ready =
      options_.readiness ? options_.readiness() : absl::OkStatus();
  if (ready.ok()) {
    response = Text(200, "ok\n");
    return;
  }
  response = Text(503, absl::StrCat("not ready: ", ready.message(), "\n"));
}

void AdminServer::Stop() {
  if (server_ == nullptr) return;
  server_->Stop(kStopGrace);
  server_.reset();
}

}  // namespace jumio_gateway::observability
