#include "server/core/worker_pool.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace jumio_gateway::core {
namespace {

TEST(WorkerPoolTest, RefusesBeyondItsBoundAndRunsWhatItAccepted) {
  absl::Notification release;
  absl::Notification running;
  absl::Mutex mu;
  std::vector<int> ran;
  auto record = [&](int i) {
    absl::MutexLock lock(&mu);
    ran.push_back(i);
  };
  {
    WorkerPool pool(/*threads=*/1, /*max_queued=*/1);
    ASSERT_TRUE(pool.TrySubmit([&] {
      running.Notify();
      release.WaitForNotification();
      record(1);
    }));
    running.WaitForNotification();                    // the only thread is busy
    ASSERT_TRUE(pool.TrySubmit([&] { record(2); }));  // waits in the queue
    EXPECT_FALSE(pool.TrySubmit([&] { record(3); }));  // the queue is full
    release.Notify();
    // The destructor runs every accepted task before it returns.
  }
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(WorkerPoolTest, TasksRunOnThePoolNotOnTheCaller) {
  WorkerPool pool(2, 8);
  absl::Notification done;
  std::thread::id ran_on;
  ASSERT_TRUE(pool.TrySubmit([&] {
    ran_on = std::this_thread::get_id();
    done.Notify();
  }));
  done.WaitForNotification();
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace jumio_gateway::core
