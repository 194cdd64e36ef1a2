// Graceful shutdown as Kubernetes drives it: SIGTERM while 50 slow calls are in
// flight. Every in-flight call completes, new calls are refused, and the
// process exits within its grace period.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

constexpr int kInFlight = 50;

class ShutdownTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    return {"--admin_listen=127.0.0.1:0",
            "--admin_port_file=" + dir_ + "/admin.port",
            "--shutdown_grace=10s"};
  }

  // Sum of grpc_server_in_flight_rpcs over every method, from the gateway's own
  // /metrics.
  double InFlight() {
    std::ifstream port_file(dir_ + "/admin.port");
    int port = 0;
    port_file >> port;
    if (port == 0) return -1;
    auto response =
        http_.Get(absl::StrCat("http://127.0.0.1:", port, "/metrics"));
    double total = 0;
    for (absl::string_view line : absl::StrSplit(response.body, '\n')) {
      if (line.rfind("grpc_server_in_flight_rpcs{", 0) != 0) continue;
      double value = 0;
      if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value))
        total += value;
    }
    return total;
  }
};

TEST_F(ShutdownTest, InFlightCallsFinishNewCallsAreRefusedAndTheProcessExits) {
  v1::CreateAccountResponse created = Create(2, "draining");
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","latencyMs":1500})");

  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kInFlight; ++i) {
    callers.emplace_back([&] {
      v1::GetWorkflowExecutionStatusRequest request;
      request.set_name(created.workflow_execution().name());
      v1::GetWorkflowExecutionStatusResponse response;
      if (workflows_
              ->GetWorkflowExecutionStatus(Context(20).get(), request,
                                           &response)
              .ok()) {
        ++ok;
      }
    });
  }
  ASSERT_TRUE(::jumio::testing::WaitFor([&] { return InFlight() >= kInFlight; },
                                        absl::Seconds(10)))
      << "in flight: " << InFlight();

  const auto sigterm_at = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(gateway_->pid(), SIGTERM), 0);

  // New calls are refused while the old ones drain.
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        v1::GetAccountRequest request;
        request.set_name(created.account());
        v1::GetAccountResponse response;
        auto context = Context(1);
        context->set_wait_for_ready(false);
        return accounts_->GetAccount(context.get(), request, &response)
                   .error_code() == grpc::StatusCode::UNAVAILABLE;
      },
      absl::Seconds(5)));

  for (auto& caller : callers) caller.join();
  EXPECT_EQ(ok.load(), kInFlight) << "every in-flight call must complete";

  ASSERT_TRUE(::jumio::testing::WaitFor([&] { return !gateway_->Running(); },
                                        absl::Seconds(12)));
  const auto exited_after = std::chrono::steady_clock::now() - sigterm_at;
  EXPECT_LT(exited_after, std::chrono::seconds(10))
      << "within the grace period";
  const int status = gateway_->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace jumio_gateway
