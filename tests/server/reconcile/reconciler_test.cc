// The reconciler over FakeJumioApi, the SQLite tracker and the SQLite callback
// log, on a fake clock: when it checks, what it writes, what it leaves alone.
#include "server/reconcile/reconciler.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/callbacks/callback_log.h"
#include "server/callbacks/execution_tracker_sqlite.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_jumio_api.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::reconcile {
namespace {

namespace v1 = ::jumio::gateway::v1;

v1::WorkflowExecutionSummary Status(const std::string& id,
                                    v1::WorkflowStatus status,
                                    const std::string& raw) {
  v1::WorkflowExecutionSummary s;
  s.set_name("regions/emea-1/accounts/A/workflowExecutions/" + id);
  s.set_id(id);
  s.set_account("regions/emea-1/accounts/A");
  s.set_account_id("A");
  s.set_status(status);
  s.set_raw_status(raw);
  return s;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = ::jumio::testing::MakeTempDir();
    callbacks::SqliteCallbackLog::Options lo;
    lo.path = dir + "/callbacks.db";
    lo.clock = &clock_;
    auto log = callbacks::SqliteCallbackLog::Open(lo);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    auto tracker = callbacks::SqliteExecutionTracker::Open(lo.path);
    ASSERT_TRUE(tracker.ok()) << tracker.status();
    tracker_ = *std::move(tracker);
    ReconcileOptions o;
    o.schedule = {absl::Seconds(40), absl::Seconds(60), absl::Seconds(100)};
    o.session_timeout = absl::Minutes(15);
    o.expiry_grace = absl::Minutes(1);
    o.unfinalized_interval = absl::Minutes(5);
    o.batch = 10;
    reconciler_ = std::make_unique<Reconciler>(
        o, tracker_.get(), &jumio_,
        [this](const v1::Callback& event) {
          return log_->Append(event, callbacks::DedupKey(event));
        },
        nullptr, clock_);
  }

  // The fake Jumio's answer to the next status check.
  void AnswerStatus(const std::string& id, v1::WorkflowStatus status,
                    const std::string& raw) {
    jumio_.Script<v1::WorkflowExecutionSummary>("GetWorkflowExecutionStatus",
                                                Status(id, status, raw));
  }

  // Every callback in the log.
  std::vector<v1::Callback> Logged() {
    auto read = log_->Read("", 1000, callbacks::Filter());
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? read->callbacks : std::vector<v1::Callback>();
  }
  int64_t Tracked() {
    auto counts = reconciler_->Counts();
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? counts->tracked : -1;
  }

  testing::FakeClock clock_;
  testing::FakeJumioApi jumio_;
  std::unique_ptr<callbacks::SqliteCallbackLog> log_;
  std::unique_ptr<callbacks::SqliteExecutionTracker> tracker_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, FinalizedExecutionIsCheckedOnTheScheduleAndReconciled) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  reconciler_->Finalized("W1");
  EXPECT_EQ(Tracked(), 1);
  // Nothing is due before the first delay.
  clock_.Advance(absl::Seconds(39));
  EXPECT_EQ(reconciler_->RunOnce(), 0);
  EXPECT_EQ(jumio_.CallCount(), 0u);

  // 40 s: still ACQUIRED; the next check is 60 s after finalize.
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_ACQUIRED, "ACQUIRED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  clock_.Advance(absl::Seconds(19));
  EXPECT_EQ(reconciler_->RunOnce(), 0);

  // 60 s: PROCESSED; stored as a RECONCILED event, tracking ends.
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  std::vector<v1::Callback> logged = Logged();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].source(), v1::CALLBACK_SOURCE_RECONCILED);
  EXPECT_EQ(logged[0].region(), v1::REGION_EMEA_1);
  EXPECT_EQ(logged[0].workflow_execution().id(), "W1");
  EXPECT_EQ(logged[0].workflow_execution().raw_status(), "PROCESSED");
  EXPECT_EQ(logged[0].workflow_execution().definition_key(), 3);
  EXPECT_EQ(reconciler_->stats().reconciled[0].load(), 1);
  EXPECT_EQ(Tracked(), 0);

  std::vector<testing::FakeJumioApi::Call> calls = jumio_.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].region, "emea-1");
  EXPECT_EQ(calls[0].account, "A");
  EXPECT_EQ(calls[0].workflow_execution, "W1");
}

TEST_F(ReconcilerTest, ResultAlreadyStoredByTheCallbackIsNotStoredTwice) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  reconciler_->Finalized("W1");
  // Jumio's callback came, but its tracking could not be ended (say the
  // store failed): the reconciler's event is a duplicate of it.
  v1::Callback callback;
  callback.set_source(v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  *callback.mutable_workflow_execution() =
      Status("W1", v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED");
  ASSERT_TRUE(log_->Append(callback, callbacks::DedupKey(callback)).ok());
  clock_.Advance(absl::Seconds(40));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  std::vector<v1::Callback> logged = Logged();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].source(), v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  EXPECT_EQ(reconciler_->stats().already_stored.load(), 1);
  EXPECT_EQ(reconciler_->stats().reconciled[0].load(), 0);
  EXPECT_EQ(Tracked(), 0);
}

TEST_F(ReconcilerTest, NeverFinalizedExecutionIsCheckedAroundItsExpiry) {
  // Token lifetime 5 min (< the 15 min session): first check at 5 min + the
  // 1 min grace.
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(5));
  clock_.Advance(absl::Minutes(6) - absl::Seconds(1));
  EXPECT_EQ(reconciler_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_INITIATED, "INITIATED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  // Still INITIATED (an upload reset the session): every 5 min after that.
  clock_.Advance(absl::Minutes(5) - absl::Seconds(1));
  EXPECT_EQ(reconciler_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_SESSION_EXPIRED, "SESSION_EXPIRED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  std::vector<v1::Callback> logged = Logged();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].workflow_execution().status(),
            v1::WORKFLOW_STATUS_SESSION_EXPIRED);
  EXPECT_EQ(logged[0].source(), v1::CALLBACK_SOURCE_RECONCILED);
  EXPECT_EQ(reconciler_->stats().reconciled[1].load(), 1);
}

TEST_F(ReconcilerTest, AcquiredWithoutAFinalizeSwitchesToTheFinalizeSchedule) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(5));
  clock_.Advance(absl::Minutes(6));
  // Finalized by the web client: the gateway saw no finalize.
  AnswerStatus("W1", v1::WORKFLOW_STATUS_ACQUIRED, "ACQUIRED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  clock_.Advance(absl::Seconds(39));
  EXPECT_EQ(reconciler_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  EXPECT_EQ(Logged().size(), 1u);
}

TEST_F(ReconcilerTest, DeletedExecutionEndsTracking) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  reconciler_->Started("emea-1", "A", "W2", 3, absl::Minutes(30));
  reconciler_->Finalized("W1");
  reconciler_->Finalized("W2");
  reconciler_->Deleted("W2");
  EXPECT_EQ(Tracked(), 1);
  clock_.Advance(absl::Seconds(40));
  // The account went (DeleteAccount): Jumio says 404.
  jumio_.Script<v1::WorkflowExecutionSummary>("GetWorkflowExecutionStatus",
                                              absl::NotFoundError("gone"));
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  EXPECT_EQ(Tracked(), 0);
  EXPECT_TRUE(Logged().empty());
}

TEST_F(ReconcilerTest, FailedCheckComesBackWhenTheLeaseEnds) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  reconciler_->Finalized("W1");
  clock_.Advance(absl::Seconds(40));
  jumio_.Script<v1::WorkflowExecutionSummary>("GetWorkflowExecutionStatus",
                                              absl::UnavailableError("down"));
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  EXPECT_EQ(reconciler_->stats().check_failures.load(), 1);
  // The default lease is 2 min.
  clock_.Advance(absl::Minutes(2) - absl::Seconds(1));
  EXPECT_EQ(reconciler_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  AnswerStatus("W1", v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED");
  EXPECT_EQ(reconciler_->RunOnce(), 1);
  EXPECT_EQ(Logged().size(), 1u);
}

TEST_F(ReconcilerTest, OneTickChecksAtMostABatch) {
  for (int i = 0; i < 25; ++i) {
    const std::string id = "W" + std::to_string(i);
    reconciler_->Started("emea-1", "A", id, 3, absl::Minutes(30));
    reconciler_->Finalized(id);
  }
  clock_.Advance(absl::Seconds(40));
  for (int i = 0; i < 25; ++i) {
    jumio_.Script<v1::WorkflowExecutionSummary>(
        "GetWorkflowExecutionStatus",
        Status("W" + std::to_string(i), v1::WORKFLOW_STATUS_PROCESSED,
               "PROCESSED"));
  }
  EXPECT_EQ(reconciler_->RunOnce(), 10);
  EXPECT_EQ(reconciler_->RunOnce(), 10);
  EXPECT_EQ(reconciler_->RunOnce(), 5);
  EXPECT_EQ(Tracked(), 0);
}

TEST_F(ReconcilerTest, OverdueCountsExecutionsPastTheWholeSchedule) {
  reconciler_->Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  reconciler_->Finalized("W1");
  clock_.Advance(absl::Seconds(100));
  EXPECT_EQ(reconciler_->Counts()->overdue, 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(reconciler_->Counts()->overdue, 1);
  EXPECT_EQ(reconciler_->Counts()->tracked, 1);
}

TEST_F(ReconcilerTest, DisabledTracksNothing) {
  ReconcileOptions off;
  off.enabled = false;
  Reconciler disabled(
      off, tracker_.get(), &jumio_,
      [](const v1::Callback&) -> absl::StatusOr<callbacks::AppendResult> {
        return absl::InternalError("not called");
      },
      nullptr, clock_);
  disabled.Started("emea-1", "A", "W1", 3, absl::Minutes(30));
  disabled.Finalized("W1");
  disabled.Start();  // no thread
  disabled.Stop();
  EXPECT_EQ(Tracked(), 0);
}

TEST(ScheduleTest, ParsesIncreasingPositiveDelays) {
  auto s = ParseSchedule("40s, 60s,100s");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(FormatSchedule(*s), "40s,1m,1m40s");
  EXPECT_FALSE(ParseSchedule("").ok());
  EXPECT_FALSE(ParseSchedule("60s,40s").ok());
  EXPECT_FALSE(ParseSchedule("0s").ok());
  EXPECT_FALSE(ParseSchedule("40").ok());
}

}  // namespace
}  // namespace jumio_gateway::reconcile
