#include "server/callbacks/sqlite_log.h"

#include <google/protobuf/util/time_util.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "server/errors/errors.h"
#include "tests/testing/callback_store_corruption.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;
using google::protobuf::util::TimeUtil;

v1::Callback Cb(const std::string& we, v1::WorkflowStatus status,
                absl::Time receive) {
  v1::Callback cb;
  cb.set_region(v1::REGION_AMER_1);
  auto* s = cb.mutable_workflow_execution();
  s->set_id(we);
  s->set_status(status);
  s->set_raw_status(v1::WorkflowStatus_Name(status));
  s->set_account("regions/amer-1/accounts/a1");
  *cb.mutable_receive_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(receive));
  return cb;
}

class SqliteLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = jumio::testing::MakeTempDir() + "/log.db";
    Open();
  }
  void Open() {
    log_.reset();
    SqliteCallbackLog::Options o;
    o.path = path_;
    o.clock = &clock_;
    auto log = SqliteCallbackLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  AppendResult Append(const std::string& we,
                      v1::WorkflowStatus st = v1::WORKFLOW_STATUS_PROCESSED) {
    v1::Callback cb = Cb(we, st, clock_.Now());
    auto r = log_->Append(cb, DedupKey(cb));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AppendResult();
  }

  testing::FakeClock clock_;
  std::string path_;
  std::unique_ptr<SqliteCallbackLog> log_;
};

TEST_F(SqliteLogTest, AppendDedupReadAndReopen) {
  const AppendResult a = Append("w1");
  const AppendResult b = Append("w2", v1::WORKFLOW_STATUS_SESSION_EXPIRED);
  const AppendResult dup = Append("w1");
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.cursor, a.cursor);
  // Another status of the same execution is another callback.
  EXPECT_FALSE(Append("w1", v1::WORKFLOW_STATUS_TOKEN_EXPIRED).duplicate);

  auto all = log_->Read("", 100, Filter());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->callbacks.size(), 3u);
  EXPECT_EQ(all->callbacks[0].cursor(), a.cursor);
  EXPECT_EQ(all->callbacks[1].cursor(), b.cursor);
  EXPECT_EQ(all->scanned, 3);

  v1::CallbackFilter fp;
  fp.add_statuses(v1::WORKFLOW_STATUS_SESSION_EXPIRED);
  auto only = log_->Read("", 100, *Filter::FromProto(fp));
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->callbacks.size(), 1u);
  EXPECT_EQ(only->callbacks[0].workflow_execution().id(), "w2");
  EXPECT_EQ(only->scanned_cursor, all->callbacks[2].cursor());

  auto after = log_->Read(a.cursor, 100, Filter());
  ASSERT_EQ(after->callbacks.size(), 2u);

  v1::CallbackEnrichment e;
  e.mutable_decision()->set_risk_score(42);
  ASSERT_TRUE(log_->AttachEnrichment(a.cursor, e).ok());

  Open();  // the data is on disk
  auto again = log_->Read("", 100, Filter());
  ASSERT_EQ(again->callbacks.size(), 3u);
  EXPECT_EQ(again->callbacks[0].enrichment().decision().risk_score(), 42);
  EXPECT_EQ(*log_->HeadCursor(), all->callbacks[2].cursor());
  EXPECT_TRUE(Append("w1").duplicate);
}

TEST_F(SqliteLogTest, GroupCommitBatchesConcurrentAppends) {
  constexpr int kThreads = 16;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::set<std::string> cursors;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string c = Append(absl::StrCat("w", t, "-", i)).cursor;
        absl::MutexLock l(&mu);
        cursors.insert(c);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cursors.size(), static_cast<size_t>(kThreads * kEach));
  // Several appends share each commit (and fsync).
  EXPECT_LT(log_->commits(), log_->writes());
}

TEST_F(SqliteLogTest, WaitForNewerWakesOnAppend) {
  const std::string head = *log_->HeadCursor();
  std::thread t([&] { Append("w-late"); });
  auto h = log_->WaitForNewer(head, absl::Seconds(10));
  t.join();
  ASSERT_TRUE(h.ok());
  EXPECT_NE(*h, head);
}

TEST_F(SqliteLogTest, SubscriptionClaimAckAndRedelivery) {
  Append("w0");
  ASSERT_TRUE(log_->EnsureSubscription("grp", *log_->HeadCursor()).ok());
  for (int i = 1; i <= 5; ++i) Append(absl::StrCat("w", i));
  // At most 3 outstanding for consumer c1.
  auto first = log_->Claim("grp", "c1", 3, absl::Seconds(10), Filter());
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->callbacks.size(), 3u);
  EXPECT_EQ(first->callbacks[0].workflow_execution().id(), "w1");
  EXPECT_TRUE(
      log_->Claim("grp", "c1", 3, absl::Seconds(10), Filter())->empty());
  // Another consumer of the group gets the rest, not the same ones.
  auto second = log_->Claim("grp", "c2", 10, absl::Seconds(10), Filter());
  ASSERT_EQ(second->callbacks.size(), 2u);
  EXPECT_EQ(second->callbacks[0].workflow_execution().id(), "w4");
  // c1 acknowledges two; the third is redelivered after the deadline.
  ASSERT_TRUE(log_->Acknowledge("grp", {first->callbacks[0].cursor(),
                                        first->callbacks[1].cursor(), "junk"})
                  .ok());
  ASSERT_TRUE(log_->Acknowledge("grp", {second->callbacks[0].cursor(),
                                        second->callbacks[1].cursor()})
                  .ok());
  clock_.Advance(absl::Seconds(11));
  auto redo = log_->Claim("grp", "c3", 10, absl::Seconds(10), Filter());
  ASSERT_EQ(redo->callbacks.size(), 1u);
  EXPECT_EQ(redo->callbacks[0].workflow_execution().id(), "w3");
  // Filtered-out callbacks count as acknowledged.
  Append("w6", v1::WORKFLOW_STATUS_TOKEN_EXPIRED);
  v1::CallbackFilter fp;
  fp.add_statuses(v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_TRUE(
      log_->Claim("grp", "c3", 10, absl::Seconds(10), *Filter::FromProto(fp))
          ->empty());
  EXPECT_EQ(log_->Acknowledge("nope", {"1"}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      log_->Claim("nope", "c", 1, absl::Seconds(10), Filter()).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(SqliteLogTest, UndecodableRowsAreReturnedInOrderNotSkipped) {
  const AppendResult a = Append("w1");
  // What an older gateway stored for a callback with invalid UTF-8, and plain
  // corruption, written straight into the file.
  const int64_t t = absl::ToUnixMicros(clock_.Now());
  auto bad1 = jumio_gateway::testing::InsertRawSqliteCallback(
      path_, "w-bad|PROCESSED", t,
      jumio_gateway::testing::InvalidUtf8CallbackBytes("w-bad"));
  ASSERT_TRUE(bad1.ok()) << bad1.status();
  auto bad2 = jumio_gateway::testing::InsertRawSqliteCallback(
      path_, "junk", t, jumio_gateway::testing::GarbageCallbackBytes());
  ASSERT_TRUE(bad2.ok()) << bad2.status();
  const AppendResult b = Append("w2");

  auto all = log_->Read("", 10, Filter());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->scanned, 4);
  ASSERT_EQ(all->callbacks.size(), 2u);
  EXPECT_EQ(all->callbacks[0].cursor(), a.cursor);
  EXPECT_EQ(all->callbacks[1].cursor(), b.cursor);
  ASSERT_EQ(all->unreadable.size(), 2u);
  EXPECT_EQ(all->unreadable[0].entry.cursor(), *bad1);
  EXPECT_EQ(all->unreadable[0].position, 1u);  // after w1, before w2
  EXPECT_EQ(all->unreadable[1].entry.cursor(), *bad2);
  EXPECT_EQ(all->unreadable[1].position, 1u);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(
                all->unreadable[0].entry.receive_time()),
            t);
  EXPECT_EQ(all->unreadable[0].entry.reason(), kUndecodableReason);

  // A filter on fields cannot exclude them; the time range can.
  v1::CallbackFilter only_w2;
  only_w2.add_statuses(v1::WORKFLOW_STATUS_SESSION_EXPIRED);
  Filter f = *Filter::FromProto(only_w2);
  auto filtered = log_->Read("", 10, f);
  EXPECT_EQ(filtered->callbacks.size(), 0u);
  EXPECT_EQ(filtered->unreadable.size(), 2u);
  f.set_time_range(clock_.Now() + absl::Seconds(1), absl::InfiniteFuture());
  EXPECT_EQ(log_->Read("", 10, f)->unreadable.size(), 0u);

  // Subscriptions get them like callbacks, pending until acknowledged.
  ASSERT_TRUE(log_->EnsureSubscription("grp", "").ok());
  auto claimed = log_->Claim("grp", "c1", 10, absl::Seconds(10), Filter());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(claimed->callbacks.size(), 2u);
  ASSERT_EQ(claimed->unreadable.size(), 2u);
  ASSERT_TRUE(log_->Acknowledge("grp", {claimed->callbacks[0].cursor(),
                                        claimed->callbacks[1].cursor(), *bad1})
                  .ok());
  clock_.Advance(absl::Seconds(11));
  auto redo = log_->Claim("grp", "c2", 10, absl::Seconds(10), Filter());
  ASSERT_TRUE(redo.ok());
  EXPECT_TRUE(redo->callbacks.empty());
  ASSERT_EQ(redo->unreadable.size(), 1u);
  EXPECT_EQ(redo->unreadable[0].entry.cursor(), *bad2);
}

TEST_F(SqliteLogTest, RetentionExpiresOldCursors) {
  const AppendResult old = Append("w-old");
  clock_.Advance(absl::Hours(24 * 8));
  const AppendResult fresh = Append("w-new");
  ASSERT_TRUE(
      log_->ApplyRetention(absl::Hours(24 * 7), absl::Hours(24 * 90), {}).ok());
  auto all = log_->Read("", 10, Filter());
  ASSERT_EQ(all->callbacks.size(), 1u);
  EXPECT_EQ(all->callbacks[0].cursor(), fresh.cursor);
  // Resuming right after the dropped one is fine; before it is expired.
  EXPECT_TRUE(log_->Read(old.cursor, 10, Filter()).ok());
  auto expired = log_->Read("0", 10, Filter());
  ASSERT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(errors::GetErrorInfo(expired.status())->reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(log_->Read("x", 10, Filter()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteLogTest, Bindings) {
  Binding b;
  b.region = v1::REGION_APAC_1;
  b.account_id = "acct";
  ASSERT_TRUE(log_->PutBinding("nonce1", b).ok());
  auto got = log_->GetBinding("nonce1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->account_id, "acct");
  EXPECT_FALSE(log_->GetBinding("nonce2")->has_value());
}

}  // namespace
}  // namespace jumio_gateway::callbacks
