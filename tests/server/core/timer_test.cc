#include "server/core/timer.h"

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace jumio_gateway::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class Ran {
 public:
  TimerThread::Task Add(int value) {
    return [this, value] {
      absl::MutexLock lock(&mu_);
      values_.push_back(value);
    };
  }
  bool WaitFor(size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [&] { return values_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<int> Values() {
    absl::MutexLock lock(&mu_);
    return values_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int> values_;
};

TEST(TimerThreadTest, RunsTasksInDueOrderOnlyWhenTheClockReachesThem) {
  testing::FakeClock clock;
  const absl::Time start = clock.Now();
  Ran ran;
  TimerThread timer(clock);
  timer.Schedule(start + absl::Seconds(5), ran.Add(5));
  timer.Schedule(start + absl::Seconds(1), ran.Add(1));
  timer.Schedule(start + absl::Seconds(1), ran.Add(2));

  EXPECT_EQ(clock.AwaitWaiterUntil(start + absl::Seconds(1)),
            start + absl::Seconds(1));
  EXPECT_THAT(ran.Values(), IsEmpty());
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(ran.WaitFor(2));
  EXPECT_THAT(ran.Values(), ElementsAre(1, 2));

  EXPECT_EQ(clock.AwaitWaiterUntil(start + absl::Seconds(5)),
            start + absl::Seconds(5));
  EXPECT_THAT(ran.Values(), ElementsAre(1, 2));
  clock.Advance(absl::Seconds(4));
  ASSERT_TRUE(ran.WaitFor(3));
  EXPECT_THAT(ran.Values(), ElementsAre(1, 2, 5));
}

TEST(TimerThreadTest, ATaskAlreadyDueRunsWithoutTheClockMoving) {
  testing::FakeClock clock;
  Ran ran;
  TimerThread timer(clock);
  timer.Schedule(clock.Now() - absl::Seconds(1), ran.Add(7));
  ASSERT_TRUE(ran.WaitFor(1));
  EXPECT_THAT(ran.Values(), ElementsAre(7));
}

TEST(TimerThreadTest, ACancelledTaskNeverRuns) {
  testing::FakeClock clock;
  const absl::Time start = clock.Now();
  Ran ran;
  TimerThread timer(clock);
  const TimerThread::TimerId cancelled =
      timer.Schedule(start + absl::Seconds(1), ran.Add(1));
  timer.Schedule(start + absl::Seconds(2), ran.Add(2));
  EXPECT_TRUE(timer.Cancel(cancelled));
  EXPECT_FALSE(timer.Cancel(cancelled));
  EXPECT_EQ(clock.AwaitWaiterUntil(start + absl::Seconds(2)),
            start + absl::Seconds(2));
  clock.Advance(absl::Seconds(2));
  ASSERT_TRUE(ran.WaitFor(1));
  EXPECT_THAT(ran.Values(), ElementsAre(2));
}

TEST(TimerThreadTest, DestroyingDropsPendingTasksUncalled) {
  testing::FakeClock clock;
  Ran ran;
  {
    TimerThread timer(clock);
    timer.Schedule(clock.Now() + absl::Hours(1), ran.Add(1));
  }
  EXPECT_THAT(ran.Values(), IsEmpty());
}

// Gateway::Shutdown stops the timer before the transport goes: no retry may
// fire after that, whether it was waiting or is scheduled later.
TEST(TimerThreadTest, StopDropsWaitingAndLaterTasksUncalled) {
  testing::FakeClock clock;
  Ran ran;
  TimerThread timer(clock);
  timer.Schedule(clock.Now() + absl::Seconds(1), ran.Add(1));
  timer.Stop();
  auto captured = std::make_shared<int>(0);
  timer.Schedule(clock.Now(), [captured] {});
  EXPECT_EQ(captured.use_count(), 1);  // dropped, not kept
  clock.Advance(absl::Seconds(2));
  timer.Stop();  // again: harmless
  EXPECT_THAT(ran.Values(), IsEmpty());
}

}  // namespace
}  // namespace jumio_gateway::core
