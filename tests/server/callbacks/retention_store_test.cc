// CallbackLog::ApplyRetention and Oldest on both stores (SQLite, and Redis on
// a redis-server started here): a pass removes at most max_batches batches,
// oldest first, the rest goes in the next pass; the oldest record left is
// reported; idle subscriptions and (SQLite) old bindings go too.
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/callbacks/redis_log.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;

v1::Callback Cb(const std::string& we) {
  v1::Callback cb;
  cb.set_region(v1::REGION_EMEA_1);
  cb.set_source(v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  auto* s = cb.mutable_workflow_execution();
  s->set_id(we);
  s->set_account_id("A");
  s->set_account("regions/emea-1/accounts/A");
  s->set_status(v1::WORKFLOW_STATUS_PROCESSED);
  return cb;
}

class RetentionStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = ::jumio::testing::MakeTempDir();
    if (GetParam() == "redis") {
      auto redis = testing::StartRedis(dir);
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = *std::move(redis);
      RedisCallbackLog::Options o;
      o.address = redis_.address();
      o.prefix = "retention-store-test";
      o.clock = &clock_;
      auto log = RedisCallbackLog::Open(o);
      ASSERT_TRUE(log.ok()) << log.status();
      log_ = *std::move(log);
    } else {
      SqliteCallbackLog::Options o;
      o.path = dir + "/callbacks.db";
      o.clock = &clock_;
      auto log = SqliteCallbackLog::Open(o);
      ASSERT_TRUE(log.ok()) << log.status();
      log_ = *std::move(log);
    }
  }
  void TearDown() override {
    log_.reset();
    if (redis_.proc != nullptr) redis_.proc->Stop();
  }
  std::string Append(const v1::Callback& cb) {
    auto r = log_->Append(cb, DedupKey(cb));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->cursor : "";
  }

  // Redis stamps stream entries with its own (real) time: the fake clock
  // starts there.
  ::jumio_gateway::testing::FakeClock clock_{absl::Now()};
  testing::RedisServer redis_;
  std::unique_ptr<CallbackLog> log_;
};

TEST_P(RetentionStoreTest, APassIsBoundedAndTheNextOneFinishes) {
  std::string cursors[5];
  for (int i = 0; i < 5; ++i) cursors[i] = Append(Cb("w" + std::to_string(i)));
  ASSERT_TRUE(log_->EnsureSubscription("idle", "").ok());
  ASSERT_TRUE(log_->PutBinding("nonce-1", {v1::REGION_EMEA_1, "A"}).ok());
  auto before = log_->Oldest(RecordKind::kCallbacks);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(before->written.has_value());
  EXPECT_LE(absl::AbsDuration(*before->written - clock_.Now()),
            absl::Seconds(5));

  clock_.Advance(absl::Hours(24 * 8));
  const RetentionLimits limits{/*batch=*/2, /*max_batches=*/2};
  auto first =
      log_->ApplyRetention(absl::Hours(24 * 7), absl::Hours(24), limits);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->callbacks, 4);  // two batches of two
  EXPECT_EQ(first->subscriptions, 1);
  auto left = log_->Read("", 10, Filter());
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_EQ(left->callbacks.size(), 1u);
  EXPECT_EQ(left->callbacks[0].cursor(), cursors[4]);
  auto oldest = log_->Oldest(RecordKind::kCallbacks);
  ASSERT_TRUE(oldest.ok());
  EXPECT_TRUE(oldest->swept);
  EXPECT_TRUE(oldest->written.has_value());
  // Cursors before the newest dropped one are expired; it itself is not.
  EXPECT_TRUE(log_->Read(cursors[3], 10, Filter()).ok());
  auto expired = log_->Read(cursors[2], 10, Filter());
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange);

  auto second =
      log_->ApplyRetention(absl::Hours(24 * 7), absl::Hours(24), limits);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->callbacks, 1);
  EXPECT_EQ(second->subscriptions, 0);
  oldest = log_->Oldest(RecordKind::kCallbacks);
  ASSERT_TRUE(oldest.ok());
  EXPECT_FALSE(oldest->written.has_value());
  EXPECT_EQ(log_->ApplyRetention(absl::Hours(24 * 7), absl::Hours(24), limits)
                ->callbacks,
            0);

  auto bindings = log_->Oldest(RecordKind::kBindings);
  ASSERT_TRUE(bindings.ok());
  if (GetParam() == "redis") {
    // Binding keys expire by their own TTL: nothing for a sweep to do.
    EXPECT_FALSE(bindings->swept);
  } else {
    EXPECT_EQ(first->bindings, 1);
    EXPECT_FALSE(bindings->written.has_value());
    EXPECT_FALSE(log_->GetBinding("nonce-1")->has_value());
  }
  EXPECT_EQ(log_->Oldest(RecordKind::kRequestIds).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(RetentionStoreTest, NothingExpiredIsKept) {
  Append(Cb("w1"));
  ASSERT_TRUE(log_->EnsureSubscription("busy", "").ok());
  clock_.Advance(absl::Hours(1));
  auto r = log_->ApplyRetention(absl::Hours(24 * 7), absl::Hours(24), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->callbacks, 0);
  EXPECT_EQ(r->subscriptions, 0);
  EXPECT_EQ(r->bindings, 0);
  EXPECT_EQ(log_->Read("", 10, Filter())->callbacks.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, RetentionStoreTest,
                         ::testing::Values("sqlite", "redis"));

}  // namespace
}  // namespace jumio_gateway::callbacks
