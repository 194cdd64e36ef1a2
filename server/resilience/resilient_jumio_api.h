// Upstream resilience as a decorator of the Jumio API seam (issue 11): it
// wraps another JumioApi (ClientJumioApi in production) and, per region and
// Jumio host kind,
// - retries where that is safe: every read, the deletes, finalize and a part
//   REPLACE on connect failure, reset, 502/503/504, 429 and the gateway's own
//   per-attempt timeout; creates, updates and part ADDs only when nothing can
//   have reached Jumio (DNS, connection refused: RequestNotSent);
// - waits full-jitter exponential backoff (at least Jumio's Retry-After)
//   between attempts on a timer thread, never past the caller's deadline;
// - takes every retry from a per-region budget (RetryBudget);
// - fails at once with UNAVAILABLE / CIRCUIT_OPEN and RetryInfo while the
//   host's circuit breaker is open;
// - sheds calls beyond a bound of calls in flight with RESOURCE_EXHAUSTED /
//   UPSTREAM_OVERLOADED, so that a slow host cannot starve another.
// Not here (issue 11's other parts): client-side rate limiting, the durable
// request-id path, sharing state across replicas.
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_RESILIENT_JUMIO_API_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_RESILIENT_JUMIO_API_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/core/timer.h"
#include "server/jumio/endpoints.h"
#include "server/jumio/jumio_api.h"
#include "server/observability/gateway_metrics.h"
#include "server/resilience/circuit_breaker.h"
#include "server/resilience/retry_budget.h"

namespace jumio_gateway::resilience {

struct ResilienceOptions {
  // Attempts per call, the first one included. High, because the budget and
  // the caller's deadline are what bound retries; this only stops one call
  // from spending the budget alone.
  int max_attempts = 8;
  // Full jitter: the n-th retry waits uniformly in
  // [0, min(max_backoff, initial_backoff * 2^(n-1))).
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  RetryBudgetOptions budget;      // per region
  CircuitBreakerOptions breaker;  // per region and host kind
  // Calls in flight (attempts and the waits between them) per region and
  // host kind; 0 is unbounded.
  int max_in_flight = 256;
  // RetryInfo of a shed call.
  absl::Duration shed_retry_delay = absl::Seconds(1);
};

// Uniform in [0, 1): the jitter, injected so that tests know every delay.
using RandomSource = std::function<double()>;
// A thread-safe source seeded by the system.
RandomSource DefaultRandomSource();

class ResilientJumioApi final : public jumio::JumioApi {
 public:
  // `inner`, `clock`, `timer` (and `metrics` when set) must outlive this;
  // calls must have finished before it is destroyed.
  ResilientJumioApi(jumio::JumioApi* inner, const core::Clock& clock,
                    core::TimerThread* timer, ResilienceOptions options = {},
                    RandomSource random = DefaultRandomSource(),
                    observability::GatewayMetrics* metrics = nullptr);
  ~ResilientJumioApi() override;

  // The breaker of a region's host (created closed on first use).
  CircuitBreaker::State CircuitState(const std::string& region,
                                     jumio::HostKind host);
  // Every breaker of the region created so far, in host kind order.
  std::vector<jumio::HostCircuit> Circuits(const std::string& region) override;

  Handle CreateAccount(
      jumio::AccountWrite request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::CreateAccountResponse> done) override;
  Handle UpdateAccount(
      jumio::AccountWrite request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::UpdateAccountResponse> done) override;
  Handle GetAccount(const jumio::AccountRef& account,
                    const jumio::CallOptions& options,
                    Done<::jumio::gateway::v1::Account> done) override;
  Handle DeleteAccount(const jumio::AccountRef& account,
                       const jumio::CallOptions& options,
                       DoneStatus done) override;
  Handle UploadPart(
      jumio::PartUpload request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::UploadCredentialPartResponse> done) override;
  Handle GetPart(const jumio::PartDownload& request,
                 const jumio::CallOptions& options,
                 Done<jumio::PartContent> done) override;
  Handle FinalizeWorkflowExecution(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::FinalizeWorkflowExecutionResponse> done)
      override;
  Handle GetWorkflowExecutionStatus(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecutionSummary> done) override;
  Handle GetWorkflowExecutionDetails(
      const jumio::WorkflowExecutionRef& execution, bool include_raw,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecution> done) override;
  Handle ListWorkflowExecutionSteps(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowStep>> done) override;
  Handle ListWorkflowExecutions(
      const jumio::AccountRef& account, const jumio::CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowExecutionSummary>> done)
      override;
  Handle DeleteWorkflowExecution(const jumio::WorkflowExecutionRef& execution,
                                 const jumio::CallOptions& options,
                                 DoneStatus done) override;
  Handle GetPlatformStatus(
      const std::string& region, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::RegionPlatformStatus> done) override;

 private:
  // Where a call goes and whether sending it twice is harmless.
  struct Route {
    std::string region;
    jumio::HostKind host = jumio::HostKind::kApi;
    const char* endpoint = "";  // jumioEndpoint, the metric label
    bool idempotent = true;
  };
  struct HostState {
    HostState(const CircuitBreakerOptions& options, const core::Clock& clock,
              CircuitBreaker::OnState on_state)
        : breaker(options, clock, std::move(on_state)) {}
    CircuitBreaker breaker;
    std::atomic<int> in_flight{0};
  };
  struct RegionState {
    RegionState(const RetryBudgetOptions& options, const core::Clock& clock)
        : budget(options, clock) {}
    RetryBudget budget;
    std::map<jumio::HostKind, std::unique_ptr<HostState>> hosts;
  };
  struct Empty {};
  template <typename T>
  class Call;

  template <typename T, typename Attempt>
  Handle Run(Route route, const jumio::CallOptions& options, Attempt attempt,
             Done<T> done);
  template <typename Attempt>
  Handle RunStatus(Route route, const jumio::CallOptions& options,
                   Attempt attempt, DoneStatus done);
  // Both live as long as this.
  RegionState* Region(const std::string& region);
  HostState* Host(const std::string& region, jumio::HostKind host);
  absl::Duration Backoff(int retry);

  jumio::JumioApi* const inner_;
  const core::Clock& clock_;
  core::TimerThread* const timer_;
  const ResilienceOptions options_;
  const RandomSource random_;
  observability::GatewayMetrics* const metrics_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<RegionState>> regions_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_RESILIENT_JUMIO_API_H_
