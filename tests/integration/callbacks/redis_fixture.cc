#include "tests/integration/callbacks/redis_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace jumio_gateway::callbacks::testing {

namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::string RedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port);
}

absl::StatusOr<RedisServer> StartRedis(const std::string& dir) {
  RedisServer r;
  r.port = FreePort();
  if (r.port == 0) return absl::InternalError("no free port");
  jumio::testing::Subprocess::Options options;
  options.port_file_flag = "";
  options.log_file = dir + "/redis.log";
  auto proc = jumio::testing::Subprocess::Start(
      "/usr/bin/redis-server",
      {"--port", absl::StrCat(r.port), "--bind", "127.0.0.1", "--save", "",
       "--appendonly", "yes", "--appendfsync", "always", "--dir", dir,
       "--daemonize", "no", "--protected-mode", "yes"},
      options);
  if (!proc.ok()) return proc.status();
  r.proc = *std::move(proc);
  if (!jumio::testing::WaitFor(
          [&] { return !r.proc->Running() || CanConnect(r.port); },
          absl::Seconds(20)) ||
      !r.proc->Running()) {
    return absl::UnavailableError("redis-server did not start");
  }
  return r;
}

}  // namespace jumio_gateway::callbacks::testing
