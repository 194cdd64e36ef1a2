#include "server/callbacks/enricher.h"

#include <google/protobuf/util/time_util.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/callbacks/filter.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::TimeUtil;

// Jumio's documented retry schedule for retrieval after a PROCESSED callback
// (seconds after the previous attempt; the first attempt is immediate).
const std::vector<int> kJumioSchedule = {40,  60,  100, 160, 240,
                                         340, 460, 600, 760, 940};

// Answers UNAVAILABLE (not ready yet) until attempt `succeed_at`, and records
// the fake time of every attempt.
class ScriptedEnricher final : public Enricher {
 public:
  ScriptedEnricher(const core::Clock& clock, int succeed_at)
      : clock_(clock), succeed_at_(succeed_at) {}

  absl::StatusOr<v1::CallbackEnrichment> Enrich(
      const v1::Callback& callback) override {
    absl::MutexLock lock(&mu_);
    attempts_.push_back(clock_.Now());
    if (static_cast<int>(attempts_.size()) == succeed_at_) {
      v1::CallbackEnrichment enrichment;
      enrichment.mutable_decision()->set_raw_type("PASSED");
      return enrichment;
    }
    return absl::UnavailableError("not ready");
  }

  // Blocks until `n` attempts were made; returns the time of the n-th.
  absl::Time AwaitAttempt(size_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return attempts_.size() >= n;
    };
    mu_.Await(absl::Condition(&reached));
    return attempts_[n - 1];
  }

  size_t attempts() {
    absl::MutexLock lock(&mu_);
    return attempts_.size();
  }

 private:
  const core::Clock& clock_;
  const int succeed_at_;
  absl::Mutex mu_;
  std::vector<absl::Time> attempts_ ABSL_GUARDED_BY(mu_);
};

class EnrichmentQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    o.path = jumio::testing::MakeTempDir() + "/log.db";
    o.clock = &clock_;
    auto log = SqliteCallbackLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  v1::Callback StoredProcessedCallback() {
    v1::Callback cb;
    v1::WorkflowExecutionSummary* we = cb.mutable_workflow_execution();
    we->set_name("regions/amer-1/accounts/a1/workflowExecutions/w1");
    we->set_id("w1");
    we->set_status(v1::WORKFLOW_STATUS_PROCESSED);
    we->set_account("regions/amer-1/accounts/a1");
    we->set_account_id("a1");
    *cb.mutable_receive_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    auto stored = log_->Append(cb, DedupKey(cb));
    EXPECT_TRUE(stored.ok()) << stored.status();
    cb.set_cursor(stored.ok() ? stored->cursor : "");
    return cb;
  }

  // Lets the queue run attempt after attempt and checks that each one comes
  // exactly `kJumioSchedule[i]` seconds after the one before: never earlier
  // (the time first stops a second short of the due time) and not later
  // (the queue must be waiting for exactly that time).
  void ExpectRetriesOnSchedule(ScriptedEnricher& enricher, size_t retries) {
    absl::Time previous = enricher.AwaitAttempt(1);
    EXPECT_EQ(previous, start_) << "the first attempt is immediate";
    for (size_t i = 0; i < retries; ++i) {
      const absl::Time due = previous + absl::Seconds(kJumioSchedule[i]);
      ASSERT_EQ(clock_.AwaitWaiter(), due)
          << "retry " << i + 1 << " is not scheduled " << kJumioSchedule[i]
          << " s after the previous attempt";
      clock_.SetTime(due - absl::Seconds(1));
      clock_.SetTime(due);
      const absl::Time attempt = enricher.AwaitAttempt(i + 2);
      ASSERT_EQ(attempt, due) << "retry " << i + 1 << " ran "
                              << absl::FormatDuration(attempt - previous)
                              << " after the previous attempt";
      previous = attempt;
    }
  }

  const absl::Time start_ = absl::FromUnixSeconds(1700000000);
  testing::FakeClock clock_{start_};
  CallbackStats stats_;
  std::unique_ptr<SqliteCallbackLog> log_;
};

TEST_F(EnrichmentQueueTest, RetriesOnJumiosScheduleThenGivesUp) {
  ScriptedEnricher enricher(clock_, /*succeed_at=*/0);
  EnrichmentQueue queue(&enricher, log_.get(), &stats_, {}, clock_);
  queue.Start();
  queue.Add(StoredProcessedCallback());

  ExpectRetriesOnSchedule(enricher, kJumioSchedule.size());

  // After the 940 s retry there is nothing left to wait for.
  EXPECT_EQ(clock_.AwaitWaiter(), absl::InfiniteFuture());
  EXPECT_EQ(enricher.attempts(), kJumioSchedule.size() + 1);
  EXPECT_EQ(stats_.enrichment_failures.load(), 1);
  EXPECT_EQ(stats_.enriched.load(), 0);
  queue.Stop();
}

TEST_F(EnrichmentQueueTest, AttachesTheResultOnceReadyStampedWithTheClock) {
  ScriptedEnricher enricher(clock_, /*succeed_at=*/4);
  EnrichmentQueue queue(&enricher, log_.get(), &stats_, {}, clock_);
  queue.Start();
  queue.Add(StoredProcessedCallback());

  ExpectRetriesOnSchedule(enricher, 3);
  // Counted after the attempt returned: wait until the queue is idle again.
  EXPECT_EQ(clock_.AwaitWaiter(), absl::InfiniteFuture());
  EXPECT_EQ(stats_.enriched.load(), 1);
  EXPECT_EQ(stats_.enrichment_failures.load(), 0);
  queue.Stop();

  auto read = log_->Read("", 10, Filter());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->callbacks.size(), 1u);
  ASSERT_TRUE(read->callbacks[0].has_enrichment());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(
                read->callbacks[0].enrichment().enrich_time()),
            absl::ToUnixMicros(start_ + absl::Seconds(40 + 60 + 100)));
}

TEST_F(EnrichmentQueueTest, IgnoresCallbacksThatAreNotProcessed) {
  ScriptedEnricher enricher(clock_, /*succeed_at=*/1);
  EnrichmentQueue queue(&enricher, log_.get(), &stats_, {}, clock_);
  queue.Start();
  v1::Callback cb = StoredProcessedCallback();
  cb.mutable_workflow_execution()->set_status(v1::WORKFLOW_STATUS_INITIATED);
  queue.Add(cb);
  EXPECT_EQ(clock_.AwaitWaiter(), absl::InfiniteFuture());
  EXPECT_EQ(enricher.attempts(), 0u);
  queue.Stop();
}

}  // namespace
}  // namespace jumio_gateway::callbacks
