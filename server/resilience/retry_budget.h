// Bounds retries to a share of the requests of a sliding window (plus a small
// floor, so that a quiet region may still retry), so that during an outage
// retries add at most that share to the load instead of multiplying it
// (Envoy's retry budget, gRPC's retry throttling).
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_RETRY_BUDGET_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_RETRY_BUDGET_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::resilience {

struct RetryBudgetOptions {
  // Retries allowed per request in the window. A fault rate f needs about
  // f / (1 - f) retries per request: 0.5 covers a third of the attempts
  // failing (issue 11's 20% 503s plus 5% resets need 0.33), and an outage
  // still costs Jumio at most 1.5 times the load.
  double ratio = 0.5;
  // Retries allowed in the window whatever the number of requests.
  int floor = 3;
  absl::Duration window = absl::Seconds(10);
};

class RetryBudget {
 public:
  // `clock` must outlive this.
  RetryBudget(const RetryBudgetOptions& options, const core::Clock& clock);

  // A first attempt.
  void RecordRequest();
  // Takes one retry from the budget; false (and nothing taken) when the
  // window's retries already reach floor + ratio * requests.
  bool TryRetry();

 private:
  struct Bucket {
    int64_t index = -1;  // which slice of time it counts; -1 never used
    int64_t requests = 0;
    int64_t retries = 0;
  };
  Bucket& Current() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RetryBudgetOptions options_;
  const core::Clock& clock_;
  const absl::Duration slice_;
  absl::Mutex mu_;
  std::vector<Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_RETRY_BUDGET_H_
