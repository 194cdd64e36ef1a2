#include "tests/testing/blocking_callback_log.h"

namespace jumio_gateway::testing {

void BlockingCallbackLog::AwaitArrivals(int n) {
  absl::MutexLock lock(&mu_);
  auto arrived = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return arrivals_ >= n;
  };
  mu_.Await(absl::Condition(&arrived));
}

void BlockingCallbackLog::SetOpen(bool open) {
  absl::MutexLock lock(&mu_);
  open_ = open;
}

void BlockingCallbackLog::Gate() {
  absl::MutexLock lock(&mu_);
  ++arrivals_;
  mu_.Await(absl::Condition(&open_));
}

}  // namespace jumio_gateway::testing
