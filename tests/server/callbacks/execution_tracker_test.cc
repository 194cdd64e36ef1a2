// Both execution trackers (SQLite, and Redis on a redis-server started here):
// what ClaimDue hands out and when, that a claim is a lease (two trackers on
// one store, as two processes, never get the same execution at once), and
// that an untracked execution is not brought back by a late update.
#include "server/callbacks/execution_tracker.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TrackedExecution Execution(const std::string& id, absl::Time due) {
  TrackedExecution e;
  e.workflow_execution_id = id;
  e.region = "emea-1";
  e.account_id = "A";
  e.workflow_key = 10013;
  e.started = kT0;
  e.token_lifetime = absl::Minutes(30);
  e.last_status = "INITIATED";
  e.next_check = due;
  return e;
}

class ExecutionTrackerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = ::jumio::testing::MakeTempDir();
    options_.store = GetParam();
    options_.sqlite_path = dir + "/callbacks.db";
    if (GetParam() == "redis") {
      auto redis = testing::StartRedis(dir);
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = *std::move(redis);
      options_.redis_address = redis_.address();
      options_.redis_prefix = "tracker-test";
    }
    tracker_ = Open();
    ASSERT_NE(tracker_, nullptr);
  }
  void TearDown() override {
    tracker_.reset();
    if (redis_.proc != nullptr) redis_.proc->Stop();
  }
  // Another tracker on the same store.
  std::unique_ptr<ExecutionTracker> Open() {
    auto t = OpenExecutionTracker(options_);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *std::move(t) : nullptr;
  }

  TrackerStoreOptions options_;
  testing::RedisServer redis_;
  std::unique_ptr<ExecutionTracker> tracker_;
};

INSTANTIATE_TEST_SUITE_P(Stores, ExecutionTrackerTest,
                         ::testing::Values("sqlite", "redis"));

TEST_P(ExecutionTrackerTest, ClaimsDueExecutionsOnceUntilTheLeaseEnds) {
  ASSERT_TRUE(tracker_->Track(Execution("W1", kT0 + absl::Seconds(10))).ok());
  ASSERT_TRUE(tracker_->Track(Execution("W2", kT0 + absl::Seconds(20))).ok());
  auto none = tracker_->ClaimDue(kT0 + absl::Seconds(9), absl::Minutes(1), 10);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  auto first =
      tracker_->ClaimDue(kT0 + absl::Seconds(10), absl::Minutes(1), 10);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  const TrackedExecution& e = (*first)[0];
  EXPECT_EQ(e.workflow_execution_id, "W1");
  EXPECT_EQ(e.region, "emea-1");
  EXPECT_EQ(e.account_id, "A");
  EXPECT_EQ(e.workflow_key, 10013);
  EXPECT_EQ(e.started, kT0);
  EXPECT_FALSE(e.is_finalized());
  EXPECT_EQ(e.token_lifetime, absl::Minutes(30));
  EXPECT_EQ(e.last_status, "INITIATED");

  // Another tracker on the same store (another process) does not get it
  // while the lease runs, and gets it once the lease ended.
  std::unique_ptr<ExecutionTracker> other = Open();
  ASSERT_NE(other, nullptr);
  auto during = other->ClaimDue(kT0 + absl::Seconds(30), absl::Minutes(1), 10);
  ASSERT_TRUE(during.ok());
  ASSERT_EQ(during->size(), 1u);
  EXPECT_EQ((*during)[0].workflow_execution_id, "W2");
  auto after = other->ClaimDue(kT0 + absl::Seconds(70), absl::Minutes(1), 10);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].workflow_execution_id, "W1");
}

TEST_P(ExecutionTrackerTest, ClaimIsBoundedAndOldestDueFirst) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        tracker_
            ->Track(Execution("W" + std::to_string(i), kT0 - absl::Seconds(i)))
            .ok());
  }
  auto claimed = tracker_->ClaimDue(kT0, absl::Minutes(1), 2);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].workflow_execution_id, "W4");
  EXPECT_EQ((*claimed)[1].workflow_execution_id, "W3");
}

TEST_P(ExecutionTrackerTest, FinalizeRescheduleAndUntrack) {
  EXPECT_TRUE(absl::IsNotFound(
      tracker_->MarkFinalized("W1", kT0, kT0 + absl::Seconds(40))));
  ASSERT_TRUE(tracker_->Track(Execution("W1", kT0 + absl::Hours(1))).ok());
  ASSERT_TRUE(tracker_->MarkFinalized("W1", kT0, kT0 + absl::Seconds(40)).ok());
  auto claimed =
      tracker_->ClaimDue(kT0 + absl::Seconds(40), absl::Minutes(1), 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].finalized, kT0);
  EXPECT_EQ((*claimed)[0].last_status, "ACQUIRED");
  EXPECT_EQ((*claimed)[0].attempt, 0);

  auto counts = tracker_->Counts(kT0 + absl::Seconds(1));
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->tracked, 1);
  EXPECT_EQ(counts->overdue, 1);
  EXPECT_EQ(tracker_->Counts(kT0)->overdue, 0);

  TrackedExecution next = (*claimed)[0];
  next.attempt = 1;
  next.next_check = kT0 + absl::Seconds(60);
  ASSERT_TRUE(tracker_->Reschedule(next).ok());
  EXPECT_TRUE(tracker_->ClaimDue(kT0 + absl::Seconds(59), absl::Minutes(1), 10)
                  ->empty());

  // Its callback came meanwhile: a late reschedule does not bring it back.
  ASSERT_TRUE(tracker_->Untrack("W1").ok());
  ASSERT_TRUE(tracker_->Reschedule(next).ok());
  EXPECT_EQ(tracker_->Counts(kT0)->tracked, 0);
  EXPECT_TRUE(
      tracker_->ClaimDue(kT0 + absl::Hours(2), absl::Minutes(1), 10)->empty());
  EXPECT_TRUE(tracker_->Untrack("unknown").ok());
}

// Issue 17: an execution that never reaches a terminal status goes once it
// started before the cutoff, at most batch per statement and batch *
// max_batches per call; calling again finishes.
TEST_P(ExecutionTrackerTest, RetentionSweepDropsOldExecutionsInBatches) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tracker_->Track(Execution(absl::StrCat("OLD", i), kT0)).ok());
  }
  ASSERT_TRUE(tracker_->MarkFinalized("OLD0", kT0, kT0).ok());
  TrackedExecution live = Execution("LIVE", kT0);
  live.started = kT0 + absl::Hours(1);
  ASSERT_TRUE(tracker_->Track(live).ok());
  const absl::Time cutoff = kT0 + absl::Minutes(1);

  auto first = tracker_->ApplyRetention(cutoff, 2, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 4);
  EXPECT_EQ(tracker_->Counts(kT0 + absl::Hours(2))->tracked, 2);
  auto second = tracker_->ApplyRetention(cutoff, 2, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(*tracker_->ApplyRetention(cutoff, 2, 2), 0);

  const TrackerCounts counts = *tracker_->Counts(kT0 + absl::Hours(2));
  EXPECT_EQ(counts.tracked, 1);
  auto oldest = tracker_->Oldest();
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_EQ(oldest->written, live.started);
  EXPECT_EQ(counts.overdue, 0);
  auto claimed = tracker_->ClaimDue(kT0 + absl::Hours(2), absl::Minutes(1), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].workflow_execution_id, "LIVE");
}

}  // namespace
}  // namespace jumio_gateway::callbacks
