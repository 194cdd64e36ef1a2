// Starts a Gateway in-process against a real jumio-sandbox: every bound port
// answers (gRPC health and an RPC that reaches the sandbox, the admin
// /healthz, the callback receiver), Shutdown ends within the grace and closes
// the ports, and a failed Start leaves nothing listening.
#include "server/gateway.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "server/config/config.h"
#include "server/observability/logger.h"
#include "tests/testing/http_client.h"
#include "tests/testing/sandbox_upstream.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::jumio::testing::SandboxUpstream;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::jumio::testing::MakeTempDir();
    auto sandbox = SandboxUpstream::Start(dir_);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = *std::move(sandbox);
    std::ofstream(dir_ + "/hmac") << std::string(32, 'k');
  }

  config::Settings Flags() const {
    config::Settings flags = sandbox_->GatewaySettings();
    flags.insert({
        {"shutdown_grace", "2s"},
        {"callback_listen_host", "127.0.0.1"},
        {"callback_listen_port", "0"},
        {"callback_public_base_url", "http://127.0.0.1:1/callbacks"},
        {"callback_hmac_key_files", dir_ + "/hmac"},
        {"callback_sqlite_path", dir_ + "/callbacks.db"},
        {"callback_resolve_jumio_hosts", "false"},
    });
    return flags;
  }

  absl::StatusOr<std::unique_ptr<Gateway>> Create(config::Settings flags) {
    config::ConfigSources sources;
    sources.flags = std::move(flags);
    absl::StatusOr<config::GatewayConfig> config = config::LoadConfig(sources);
    if (!config.ok()) return config.status();
    return Gateway::Create(*std::move(config), &logger_);
  }

  static grpc::Status Check(int port, const std::string& service,
                            HealthCheckResponse* response) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    return Health::NewStub(channel)->Check(&context, request, response);
  }

  std::string dir_;
  std::unique_ptr<SandboxUpstream> sandbox_;
  // The gateway's log goes to the test log.
  observability::Logger logger_{stderr};
  ::jumio::testing::HttpClient http_;
};

TEST_F(GatewayTest, EveryBoundPortAnswers) {
  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Create(Flags());
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_EQ((*gateway)->grpc_port(), 0) << "nothing listens before Start";
  ASSERT_TRUE((*gateway)->Start().ok());
  ASSERT_NE((*gateway)->grpc_port(), 0);
  ASSERT_NE((*gateway)->admin_port(), 0);
  ASSERT_NE((*gateway)->callback_port(), 0);

  for (const char* service : {"", "liveness", "readiness"}) {
    HealthCheckResponse health;
    grpc::Status status = Check((*gateway)->grpc_port(), service, &health);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(health.status(), HealthCheckResponse::SERVING) << service;
  }

  // An RPC that goes through the Jumio client and token source to the
  // sandbox.
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*gateway)->grpc_port()),
                          grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::GetPlatformStatusRequest request;
  request.add_regions(v1::REGION_EMEA_1);
  v1::GetPlatformStatusResponse platform;
  grpc::Status status =
      v1::PlatformService::NewStub(channel)->GetPlatformStatus(
          &context, request, &platform);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(platform.statuses_size(), 1);
  EXPECT_EQ(platform.statuses(0).status(), v1::HEALTH_STATUS_UP);

  const std::string admin =
      absl::StrCat("http://127.0.0.1:", (*gateway)->admin_port());
  auto healthz = http_.Get(admin + "/healthz");
  EXPECT_EQ(healthz.status, 200);
  EXPECT_EQ(http_.Get(admin + "/readyz").status, 200);
  auto metrics = http_.Get(admin + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find("jumio_upstream_requests_total{region=\"emea-1\""),
      std::string::npos);

  // The receiver answers HTTP (a GET is not a callback).
  auto receiver = http_.Get(
      absl::StrCat("http://127.0.0.1:", (*gateway)->callback_port(), "/"));
  EXPECT_GE(receiver.status, 400);
  EXPECT_LT(receiver.status, 500);
}

TEST_F(GatewayTest, ShutdownEndsWithinTheGraceAndClosesEveryPort) {
  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Create(Flags());
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  ASSERT_TRUE((*gateway)->Start().ok());
  const int grpc_port = (*gateway)->grpc_port();
  const std::string admin =
      absl::StrCat("http://127.0.0.1:", (*gateway)->admin_port(), "/healthz");
  const std::string receiver =
      absl::StrCat("http://127.0.0.1:", (*gateway)->callback_port(), "/");
  ASSERT_EQ(http_.Get(admin).status, 200);

  const absl::Duration grace = absl::Seconds(2);
  const absl::Time start = absl::Now();
  (*gateway)->Shutdown(grace);
  EXPECT_LE(absl::Now() - start, grace);

  HealthCheckResponse health;
  EXPECT_FALSE(Check(grpc_port, "", &health).ok());
  EXPECT_EQ(http_.Get(admin).status, 0);
  EXPECT_EQ(http_.Get(receiver).status, 0);
  (*gateway)->Shutdown(grace);  // again: nothing left to do
}

TEST_F(GatewayTest, FailedStartLeavesNothingListening) {
  absl::StatusOr<std::unique_ptr<Gateway>> first = Create(Flags());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*first)->Start().ok());

  // The same admin port as the first: the gRPC server starts, the admin
  // server cannot.
  config::Settings flags = Flags();
  flags["admin_listen"] = absl::StrCat("127.0.0.1:", (*first)->admin_port());
  flags["callback_sqlite_path"] = dir_ + "/second.db";
  absl::StatusOr<std::unique_ptr<Gateway>> second = Create(flags);
  ASSERT_TRUE(second.ok()) << second.status();
  absl::Status started = (*second)->Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("admin server"), std::string::npos)
      << started;
  HealthCheckResponse health;
  EXPECT_FALSE(Check((*second)->grpc_port(), "", &health).ok());
}

TEST_F(GatewayTest, CreateNamesThePartThatCannotBeBuilt) {
  config::Settings flags = Flags();
  flags["callback_sqlite_path"] = dir_ + "/missing/dir/callbacks.db";
  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Create(flags);
  ASSERT_FALSE(gateway.ok());
  EXPECT_NE(gateway.status().message().find("callback path"), std::string::npos)
      << gateway.status();
}

TEST(TokenHealthTest, TheLastRequestPerRegionDecides) {
  TokenHealth health;
  EXPECT_TRUE(health.Check().ok()) << "no region asked yet";
  health.Record("emea-1", true);
  health.Record("apac-1", false);
  absl::Status status = health.Check();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("apac-1"), std::string::npos) << status;
  health.Record("apac-1", true);
  EXPECT_TRUE(health.Check().ok());
}

}  // namespace
}  // namespace jumio_gateway
