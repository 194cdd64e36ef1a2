// The time source of the gateway. Everything that reads the wall clock or
// waits for a point in time does it through a Clock, so that tests drive time
// with tests/testing/fake_clock.h instead of waiting for it. RealClock is the
// only production code that reads absl::Now() (tests/lint/clock_test.sh).
//
// Waiting belongs here too, but only in the one form the gateway needs: a
// mutex condition with a deadline. A fake clock must be able to wake a waiter
// when it is moved, which a raw absl::Mutex::AwaitWithDeadline cannot do.
#ifndef JUMIO_GATEWAY_SERVER_CORE_CLOCK_H_
#define JUMIO_GATEWAY_SERVER_CORE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace jumio_gateway::core {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() const = 0;

  // With `mu` held: waits until `condition` holds or Now() reaches
  // `deadline`, releasing `mu` meanwhile (absl::Mutex::AwaitWithDeadline).
  // Returns whether `condition` holds. The condition is re-evaluated whenever
  // `mu` is released by another thread, and when the time moves.
  virtual bool AwaitWithDeadline(absl::Mutex& mu,
                                 const absl::Condition& condition,
                                 absl::Time deadline) const = 0;
};

// The system's wall clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) const override;
};

// A process-wide RealClock for constructors whose callers (mostly tests) have
// no clock of their own. It has no state, so sharing it shares nothing.
const Clock& SystemClock();

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_CLOCK_H_
