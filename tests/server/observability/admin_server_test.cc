#include "server/observability/admin_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/http_client.h"

namespace jumio_gateway::observability {
namespace {

using ::testing::HasSubstr;

std::string Url(const AdminServer& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + path;
}

TEST(AdminServerTest, ServesMetricsHealthAndReadiness) {
  Registry registry;
  Counter& scrapes_seen = BuildCounter()
                              .Name("test_events_total")
                              .Help("Events.")
                              .Register(registry)
                              .Add({});
  std::atomic<bool> ready{false};
  std::atomic<int> before_scrape_calls{0};
  AdminServer::Options options;
  options.listen = "127.0.0.1:0";
  options.readiness = [&]() -> absl::Status {
    if (ready) return absl::OkStatus();
    return absl::UnavailableError("callback store not writable");
  };
  options.before_scrape = [&] { ++before_scrape_calls; };
  AdminServer server(registry, options);
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);

  jumio::testing::HttpClient http;
  scrapes_seen.Increment(3);
  auto metrics = http.Get(Url(server, "/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics.body,
            "# HELP test_events_total Events.\n"
            "# TYPE test_events_total counter\n"
            "test_events_total 3\n");
  EXPECT_EQ(before_scrape_calls.load(), 1);

  auto health = http.Get(Url(server, "/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");

  auto not_ready = http.Get(Url(server, "/readyz"));
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.body, HasSubstr("callback store not writable"));
  ready = true;
  auto is_ready = http.Get(Url(server, "/readyz"));
  EXPECT_EQ(is_ready.status, 200);

  EXPECT_EQ(http.Get(Url(server, "/nothing")).status, 404);
  server.Stop();
  server.Stop();  // idempotent
  EXPECT_EQ(http.Get(Url(server, "/healthz")).status, 0);
}

TEST(AdminServerTest, DefaultReadinessIsReady) {
  Registry registry;
  AdminServer server(registry, {"127.0.0.1:0", nullptr, nullptr});
  ASSERT_TRUE(server.Start().ok());
  jumio::testing::HttpClient http;
  EXPECT_EQ(http.Get(Url(server, "/readyz")).status, 200);
}

TEST(AdminServerTest, PortInUseFails) {
  Registry registry;
  AdminServer first(registry, {"127.0.0.1:0", nullptr, nullptr});
  ASSERT_TRUE(first.Start().ok());
  AdminServer second(registry, {"127.0.0.1:" + std::to_string(first.port()),
                                nullptr, nullptr});
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

// Issue 9, finding 2: two idle connections made the port unreachable (a
// thread each). Now many idle and slow-drip ones cost a socket each.
TEST(AdminServerTest, IdleAndSlowConnectionsDoNotBlockScrapes) {
  Registry registry;
  AdminServer server(registry, {"127.0.0.1:0", nullptr, nullptr});
  ASSERT_TRUE(server.Start().ok());
  std::vector<int> held;
  for (int i = 0; i < 50; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    // Every other one has started a request head and stalls.
    if (i % 2 == 1) {
      ASSERT_EQ(send(fd, "GET /metr", 9, MSG_NOSIGNAL), 9);
    }
    held.push_back(fd);
  }
  jumio::testing::HttpClient http;
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    auto metrics = http.Get(Url(server, "/metrics"));
    EXPECT_EQ(metrics.status, 200) << metrics.error;
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  }
  EXPECT_EQ(http.Send("POST", Url(server, "/metrics"), "x").status, 405);
  for (int fd : held) close(fd);
}

TEST(AdminServerTest, StopWithoutStartIsHarmless) {
  Registry registry;
  AdminServer server(registry, {"127.0.0.1:0", nullptr, nullptr});
  server.Stop();
}

TEST(ParseListenAddressTest, Forms) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:9090", host, port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 9090);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", host, port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(ParseListenAddress("9090", host, port).ok());
  EXPECT_FALSE(ParseListenAddress(":9090", host, port).ok());
  EXPECT_FALSE(ParseListenAddress("host:http", host, port).ok());
  EXPECT_FALSE(ParseListenAddress("host:70000", host, port).ok());
}

}  // namespace
}  // namespace jumio_gateway::observability
