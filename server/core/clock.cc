#include "server/core/clock.h"

#include "absl/time/clock.h"

namespace jumio_gateway::core {

absl::Time RealClock::Now() const { return absl::Now(); }

bool RealClock::AwaitWithDeadline(absl::Mutex& mu,
                                  const absl::Condition& condition,
                                  absl::Time deadline) const {
  return mu.AwaitWithDeadline(condition, deadline);
}

const Clock& SystemClock() {
  static const RealClock* const clock = new RealClock();
  return *clock;
}

}  // namespace jumio_gateway::core
