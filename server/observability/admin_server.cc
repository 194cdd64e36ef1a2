#include "server/observability/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::observability {
namespace {

// Scrapes and probes are small and few; two workers keep one slow scrape from
// delaying a probe without holding threads the gateway needs.
constexpr size_t kWorkerThreads = 2;

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
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] {
    return new httplib::ThreadPool(kWorkerThreads);
  };
  server->set_read_timeout(5, 0);
  server->set_write_timeout(5, 0);
  server->set_payload_max_length(1024);
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the
  // same port and silently take half the scrapes; SO_REUSEADDR alone still
  // allows a quick restart while old connections sit in TIME_WAIT.
  server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  server->Get("/metrics", [this](const httplib::Request&,
                                 httplib::Response& response) {
    if (options_.before_scrape) options_.before_scrape();
    response.set_content(SerializeText(registry_.Collect()), kTextContentType);
  });
  server->Get("/healthz",
              [](const httplib::Request&, httplib::Response& response) {
                response.set_content("ok\n", "text/plain; charset=utf-8");
              });
  server->Get(
      "/readyz", [this](const httplib::Request&, httplib::Response& response) {
        absl::Status ready =
            options_.readiness ? options_.readiness() : absl::OkStatus();
        if (ready.ok()) {
          response.set_content("ok\n", "text/plain; charset=utf-8");
          return;
        }
        response.status = 503;
        response.set_content(absl::StrCat("not ready: ", ready.message(), "\n"),
                             "text/plain; charset=utf-8");
      });

  int port = requested_port;
  if (requested_port == 0) {
    port = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, requested_port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen));
  }
  httplib::Server* raw = server.get();
  server_ = std::move(server);
  port_ = port;
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // httplib's stop() only takes effect once the accept loop runs, so wait for
  // it here (bounded) rather than let an early Stop() hang the join.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!raw->is_running()) {
    return absl::InternalError("admin server did not start");
  }
  return absl::OkStatus();
}

void AdminServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace jumio_gateway::observability
