// Runs callbacks at points in time on one thread of its own, so that code that
// must wait (a retry's backoff) never blocks the thread it runs on. Time is
// the injected Clock's: with tests/testing/fake_clock.h a test moves time and
// the due callbacks run, without real waiting.
#ifndef JUMIO_GATEWAY_SERVER_CORE_TIMER_H_
#define JUMIO_GATEWAY_SERVER_CORE_TIMER_H_

#include <cstdint>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::core {

class TimerThread {
 public:
  using TimerId = uint64_t;
  using Task = absl::AnyInvocable<void() &&>;

  // `clock` must outlive this.
  explicit TimerThread(const Clock& clock);
  // Stop()s.
  ~TimerThread();
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  // Runs `task` on the timer's thread once the clock reaches `at` (at once
  // when it already has). Tasks due at the same time run in the order they
  // were scheduled. Tasks must be short: they delay every later one.
  TimerId Schedule(absl::Time at, Task task);
  // True if the task was removed before it started; false if it has run, is
  // running, or was never scheduled.
  bool Cancel(TimerId id);
  // Drops the tasks not yet run (they are destroyed, not called) and joins
  // the thread; a task that is running finishes first. A task scheduled
  // afterwards is dropped at once. For a shutdown that must end every wait
  // before the objects the tasks would call go away. Idempotent.
  void Stop();

 private:
  void Run();

  const Clock& clock_;
  absl::Mutex mu_;
  // By due time, then by id: the order tasks run in.
  std::map<std::pair<absl::Time, TimerId>, Task> tasks_ ABSL_GUARDED_BY(mu_);
  std::map<TimerId, absl::Time> due_ ABSL_GUARDED_BY(mu_);
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Moves whenever the earliest due time may have changed, so that the
  // thread's wait re-reads it.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_TIMER_H_
