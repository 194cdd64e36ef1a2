// A Clock that moves only when a test moves it. Thread-safe: the code under
// test may read it and wait on it from its own threads while the test sets it.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_FAKE_CLOCK_H_
#define JUMIO_GATEWAY_TESTS_TESTING_FAKE_CLOCK_H_

#include <map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::testing {

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000));

  absl::Time Now() const override;
  // Waits for `condition` or for the fake time to reach `deadline`; never for
  // real time.
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) const override;

  // Moves the time (also backwards, as a wall clock may) and wakes every
  // waiter so that it re-evaluates its condition and deadline. The mutexes
  // of current waiters must stay alive while this runs.
  void SetTime(absl::Time time);
  void Advance(absl::Duration by);

  // Blocks until some thread waits in AwaitWithDeadline, and returns the
  // earliest deadline waited for (InfiniteFuture for "no deadline"): how a
  // test learns when the code under test next wants to run, without sleeping.
  absl::Time AwaitWaiter() const;

 private:
  void WakeWaiters();

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  // Waiters' mutexes and deadlines; a multimap because threads may share a
  // mutex.
  mutable std::multimap<absl::Mutex*, absl::Time> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_FAKE_CLOCK_H_
