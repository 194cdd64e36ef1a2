#include "tests/testing/fake_clock.h"

#include <algorithm>
#include <vector>

namespace jumio_gateway::testing {

FakeClock::FakeClock(absl::Time start) : now_(start) {}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

bool FakeClock::AwaitWithDeadline(absl::Mutex& mu,
                                  const absl::Condition& condition,
                                  absl::Time deadline) const {
  std::multimap<absl::Mutex*, absl::Time>::iterator self;
  {
    absl::MutexLock lock(&mu_);
    self = waiters_.emplace(&mu, deadline);
  }
  auto done = [&] { return condition.Eval() || Now() >= deadline; };
  // SetTime locks and unlocks `mu` after moving the time, which makes absl
  // re-evaluate `done`.
  mu.Await(absl::Condition(&done));
  {
    absl::MutexLock lock(&mu_);
    waiters_.erase(self);
  }
  return condition.Eval();
}

void FakeClock::SetTime(absl::Time time) {
  {
    absl::MutexLock lock(&mu_);
    now_ = time;
  }
  WakeWaiters();
}

void FakeClock::Advance(absl::Duration by) {
  {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  WakeWaiters();
}

absl::Time FakeClock::AwaitWaiter() const {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::multimap<absl::Mutex*, absl::Time>* w) { return !w->empty(); },
      &waiters_));
  absl::Time earliest = absl::InfiniteFuture();
  for (const auto& [mu, deadline] : waiters_) {
    earliest = std::min(earliest, deadline);
  }
  return earliest;
}

void FakeClock::WakeWaiters() {
  std::vector<absl::Mutex*> mutexes;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [mu, deadline] : waiters_) mutexes.push_back(mu);
  }
  mutexes.erase(std::unique(mutexes.begin(), mutexes.end()), mutexes.end());
  // Not under mu_: a waiter holds its mutex when it takes mu_.
  for (absl::Mutex* mu : mutexes) {
    mu->Lock();
    mu->Unlock();
  }
}

}  // namespace jumio_gateway::testing
