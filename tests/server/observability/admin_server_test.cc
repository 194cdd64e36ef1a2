#include "server/observability/admin_server.h"

#include <atomic>
#include <string>

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
