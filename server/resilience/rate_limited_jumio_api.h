// Client-side rate limiting as a decorator of the Jumio API seam (issue 11):
// calls go to Jumio no faster than Jumio's published limits, per region and
// operation class, instead of collecting HTTP 429s. It sits below
// ResilientJumioApi (Resilient -> RateLimited -> ClientJumioApi), so that
// every attempt, a retry too, takes a turn.
//
// A call whose turn has come is sent at once. Otherwise it waits in its
// region's and class's queue, FIFO, on a timer (no thread waits), and is sent
// when its turn comes. It is refused at once, with RESOURCE_EXHAUSTED /
// UPSTREAM_QUOTA_EXHAUSTED and RetryInfo, when its turn would come after its
// deadline (RetryInfo: when the turn would have come) or when `max_queue`
// calls are already waiting (RetryInfo: the time the queue takes to drain).
// Nothing is sent to Jumio for a refused call. Cancelling a waiting call
// answers it CANCELLED at once; its turn is not given back.
//
// Classes (Jumio's rate-limit page, /work/shared/jumio-docs/samples/README.md:
// "account create/update 1/s per tenant (short bursts allowed); retrieval
// 15/s per tenant"):
//   account_write  CreateAccount, UpdateAccount            (account host)
//   retrieval      every call to the retrieval host: the reads, GetPart and
//                  both deletes (the sandbox and Jumio count the host)
//   other          part uploads and finalize (api host): no published
//                  limit, so unlimited unless configured
// GetPlatformStatus (status host, no credentials) is never limited. Token
// requests (10/s) do not pass this seam: OAuth2TokenSource sends at most one
// per region at a time and caches the token for its lifetime.
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITED_JUMIO_API_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITED_JUMIO_API_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/core/timer.h"
#include "server/jumio/jumio_api.h"
#include "server/observability/gateway_metrics.h"
#include "server/resilience/rate_limiter.h"

namespace jumio_gateway::resilience {

enum class OperationClass { kAccountWrite, kRetrieval, kOther };
// "account_write", "retrieval", "other": keys and the `class` metric label.
const char* OperationClassName(OperationClass op);

struct RateLimitOptions {
  // Jumio: 1/s per tenant with short bursts. Burst 2 leaves Jumio's (unknown)
  // burst headroom for the jitter between our clock and its.
  RateLimit account_write{1, 2};
  // Jumio: 15/s per tenant.
  RateLimit retrieval{15, 15};
  RateLimit other{0, 1};
  // Calls that may wait per region and class; beyond it a call is refused.
  int max_queue = 100;
};

class RateLimitedJumioApi final : public jumio::JumioApi {
 public:
  // `inner`, `clock`, `timer`, `limiter` (and `metrics` when set) must
  // outlive this; calls must have finished before it is destroyed.
  RateLimitedJumioApi(jumio::JumioApi* inner, const core::Clock& clock,
                      core::TimerThread* timer, RateLimiter* limiter,
                      RateLimitOptions options = {},
                      observability::GatewayMetrics* metrics = nullptr);
  ~RateLimitedJumioApi() override;

  // Calls waiting for their turn in a region's class now.
  int Waiting(const std::string& region, OperationClass op);

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
  struct Route {
    std::string region;
    OperationClass op;
    const char* endpoint;  // jumioEndpoint of errors
  };
  // The outcome of asking for a turn.
  struct Admission {
    absl::Status refused;  // not OK: answer the caller with it
    bool wait = false;     // OK: send at `at` (or at once)
    absl::Time at;
    std::string key;
  };
  template <typename DoneT>
  class Waiter;

  Admission Admit(const Route& route, absl::Time deadline);
  // A waiting call left the queue (sent or cancelled).
  void Left(const std::string& key);
  absl::Status Cancelled(const Route& route) const;
  const RateLimit& LimitOf(OperationClass op) const;

  // `start(done)` sends the call to `inner_`; DoneT is a Done<T> or a
  // DoneStatus.
  template <typename DoneT, typename Start>
  Handle Limit(Route route, const jumio::CallOptions& options, DoneT done,
               Start start);

  jumio::JumioApi* const inner_;
  const core::Clock& clock_;
  core::TimerThread* const timer_;
  RateLimiter* const limiter_;
  const RateLimitOptions options_;
  observability::GatewayMetrics* const metrics_;
  absl::Mutex mu_;
  std::map<std::string, int> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITED_JUMIO_API_H_
