// Upstream resilience as it ships: the real jumio-gateway binary (which wires
// server/resilience over the Jumio client) against the real jumio-sandbox
// injecting faults. What callers see, and (through the sandbox's journal) what
// reached "Jumio". Each test prints the figures issue 11 asks for.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;
using testing::DetailsOf;

// Journal entries of GET requests to `region`'s retrieval host.
size_t RetrievalGets(const std::vector<std::string>& journal,
                     const std::string& region) {
  return std::count_if(journal.begin(), journal.end(),
                       [&](const std::string& entry) {
                         return absl::StartsWith(
                             entry, absl::StrCat("GET ", region, " retrieval"));
                       });
}

class ResilienceTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraSandboxArgs() override { return {"--seed=17"}; }
  // The shipped settings, but for a 1 s attempt timeout (the frozen host).
  std::vector<std::string> ExtraGatewayArgs() override {
    return {"--upstream_timeout=1s"};
  }

  grpc::Status Status(const std::string& workflow, int deadline_ms = 10000) {
    v1::GetWorkflowExecutionStatusRequest request;
    request.set_name(workflow);
    v1::GetWorkflowExecutionStatusResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(deadline_ms));
    return workflows_->GetWorkflowExecutionStatus(&context, request, &response);
  }

  void ClearJournal() {
    auto response =
        http_.Send("DELETE", sandbox_url_ + "/_sandbox/journal", "", {});
    ASSERT_EQ(response.status / 100, 2) << response.body;
  }

  void ClearFaults() {
    auto response =
        http_.Send("DELETE", sandbox_url_ + "/_sandbox/faults", "", {});
    ASSERT_EQ(response.status / 100, 2) << response.body;
  }

  // The gateway's circuit state for `host` of `region`, from
  // GetPlatformStatus (UNSPECIFIED when it reports none).
  v1::CircuitState Circuit(v1::Region region, const std::string& host) {
    v1::GetPlatformStatusRequest request;
    request.add_regions(region);
    v1::GetPlatformStatusResponse response;
    EXPECT_TRUE(
        platform_->GetPlatformStatus(Context().get(), request, &response).ok());
    if (response.statuses_size() != 1) return v1::CIRCUIT_STATE_UNSPECIFIED;
    for (const v1::UpstreamCircuit& c : response.statuses(0).circuits()) {
      if (c.host() == host) return c.state();
    }
    return v1::CIRCUIT_STATE_UNSPECIFIED;
  }
};

// error.proto promises that idempotent calls are retried: with a quarter of
// retrieval requests failing, callers see none of it.
TEST_F(ResilienceTest, RetrievalFaultsAreRetriedAndNeverReachCallers) {
  const std::string workflow = Create(2, "faults").workflow_execution().name();
  ClearJournal();
  AddFault(R"([{"region":"emea-1","hostKind":"retrieval","errorRate":0.2,
                "errorStatus":503},
               {"region":"emea-1","hostKind":"retrieval","dropRate":0.05}])");
  constexpr int kThreads = 4;
  constexpr int kCallsEach = 250;  // 1,000 calls, as issue 11 asks
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsEach; ++i) {
        if (!Status(workflow).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const size_t attempts = RetrievalGets(Journal(), "emea-1");
  constexpr int kCalls = kThreads * kCallsEach;
  std::printf(
      "report: %d calls, 20%% 503 + 5%% resets injected, %zu upstream "
      "attempts, %zu retries, %d failures seen by callers\n",
      kCalls, attempts, attempts > kCalls ? attempts - kCalls : 0,
      failures.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(attempts, static_cast<size_t>(kCalls));  // faults were injected
  // The budget: at most half as many retries as calls, plus its floor.
  EXPECT_LE(attempts, static_cast<size_t>(kCalls + kCalls / 2 + 3));
}

// A breaker that opens after 5 failures in a row and probes after 1 s, so
// that the test takes seconds. (Not for the fault test above: at 25% faults,
// 5 in a row come about once in a thousand attempts.)
class BreakerTest : public ResilienceTest {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    return {"--upstream_breaker_failures=5", "--upstream_breaker_open_for=1s"};
  }
};

// A region down: its breaker opens, its calls fail at once with
// CIRCUIT_OPEN, GetPlatformStatus shows it, other regions keep working, and
// it closes once the region is back.
TEST_F(BreakerTest, ABreakerOpensForADownRegionOnlyAndClosesAfterIt) {
  const std::string emea = Create(2, "down").workflow_execution().name();
  const std::string amer =
      Create(2, "up", v1::REGION_AMER_1).workflow_execution().name();
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","errorRate":1.0,
               "errorStatus":503})");
  grpc::Status status;
  for (int i = 0; i < 20; ++i) {
    status = Status(emea);
    if (DetailsOf(status).reason == "CIRCUIT_OPEN") break;
  }
  ASSERT_EQ(DetailsOf(status).reason, "CIRCUIT_OPEN") << status.error_message();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(DetailsOf(status).retry);
  EXPECT_EQ(Circuit(v1::REGION_EMEA_1, "retrieval"), v1::CIRCUIT_STATE_OPEN);

  // While open: nothing reaches the region's retrieval host.
  ClearJournal();
  std::vector<double> open_ms;
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status fast = Status(emea);
    open_ms.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    if (DetailsOf(fast).reason != "CIRCUIT_OPEN") break;  // it probed
  }
  std::sort(open_ms.begin(), open_ms.end());
  std::printf("report: %zu calls to the open circuit, max %.2f ms each\n",
              open_ms.size(), open_ms.back());
  EXPECT_LE(RetrievalGets(Journal(), "emea-1"), 1u);  // at most one probe

  // Another region is unaffected.
  EXPECT_TRUE(Status(amer).ok());
  EXPECT_NE(Circuit(v1::REGION_AMER_1, "retrieval"), v1::CIRCUIT_STATE_OPEN);

  // The region recovers: a probe closes the breaker within seconds.
  ClearFaults();
  const auto recovered = std::chrono::steady_clock::now();
  // Calls fail at once while the breaker stays open (1 s); the first probe
  // after that closes it.
  const bool closed = ::jumio::testing::WaitFor(
      [&] { return Status(emea).ok(); }, absl::Seconds(10));
  EXPECT_TRUE(closed);
  std::printf("report: closed %.2f s after the region recovered\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            recovered)
                  .count());
  EXPECT_EQ(Circuit(v1::REGION_EMEA_1, "retrieval"), v1::CIRCUIT_STATE_CLOSED);
}

// A frozen host (it accepts and never answers): the caller gets a retryable
// UNAVAILABLE before its deadline, not DEADLINE_EXCEEDED, and the region's
// other hosts and the other regions keep serving.
TEST_F(ResilienceTest, AFrozenHostGivesUnavailableBeforeTheDeadline) {
  const std::string emea = Create(2, "frozen").workflow_execution().name();
  const std::string amer =
      Create(2, "fine", v1::REGION_AMER_1).workflow_execution().name();
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","latencyMs":60000})");
  const auto start = std::chrono::steady_clock::now();
  const grpc::Status status = Status(emea, /*deadline_ms=*/5000);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("report: frozen host answered after %.2f s of a 5 s deadline\n",
              took);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "UPSTREAM_TIMEOUT");
  EXPECT_TRUE(DetailsOf(status).retry);
  EXPECT_LT(took, 5.0);

  // The api host of the same region (finalize) and another region still
  // answer.
  EXPECT_TRUE(Status(amer).ok());
  v1::FinalizeWorkflowExecutionRequest finalize;
  finalize.set_name(emea);
  v1::FinalizeWorkflowExecutionResponse finalized;
  const grpc::Status api_host = workflows_->FinalizeWorkflowExecution(
      Context().get(), finalize, &finalized);
  EXPECT_NE(api_host.error_code(), grpc::StatusCode::UNAVAILABLE)
      << api_host.error_message();
  EXPECT_NE(api_host.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace jumio_gateway
