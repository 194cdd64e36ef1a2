#include "server/resilience/retry_budget.h"

#include <algorithm>

namespace jumio_gateway::resilience {
namespace {

// The window moves in this many steps: finer costs memory, coarser lets a
// burst count for up to one step longer.
constexpr int kSlices = 10;

}  // namespace

RetryBudget::RetryBudget(const RetryBudgetOptions& options,
                         const core::Clock& clock)
    : options_(options),
      clock_(clock),
      slice_(std::max(options.window / kSlices, absl::Milliseconds(1))),
      buckets_(kSlices) {}

RetryBudget::Bucket& RetryBudget::Current() {
  absl::Duration rem;
  const int64_t index =
      absl::IDivDuration(clock_.Now() - absl::UnixEpoch(), slice_, &rem);
  Bucket& bucket =
      buckets_[static_cast<size_t>(((index % kSlices) + kSlices) % kSlices)];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};
  return bucket;
}

void RetryBudget::RecordRequest() {
  absl::MutexLock lock(&mu_);
  ++Current().requests;
}

bool RetryBudget::TryRetry() {
  absl::MutexLock lock(&mu_);
  Bucket& current = Current();
  int64_t requests = 0;
  int64_t retries = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.index > current.index - kSlices) {
      requests += bucket.requests;
      retries += bucket.retries;
    }
  }
  if (static_cast<double>(retries) >=
      options_.floor + options_.ratio * static_cast<double>(requests)) {
    return false;
  }
  ++current.retries;
  return true;
}

}  // namespace jumio_gateway::resilience
