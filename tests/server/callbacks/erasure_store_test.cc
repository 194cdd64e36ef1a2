// CallbackLog::Erase on both stores (SQLite, and Redis on a redis-server
// started here): an account's callbacks, enrichment, pending deliveries,
// dedup keys and bindings go, other accounts' stay, DELETED events are kept,
// a second erasure erases nothing; Redis entries of older gateways (content
// in the entry's field d) are still read and erased; erasure intents
// round-trip.
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/callbacks/redis_log.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;

v1::Callback Cb(const std::string& account, const std::string& we) {
  v1::Callback cb;
  cb.set_region(v1::REGION_EMEA_1);
  cb.set_source(v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  cb.set_user_reference("user-of-" + we);
  auto* s = cb.mutable_workflow_execution();
  s->set_id(we);
  s->set_account_id(account);
  s->set_account("regions/emea-1/accounts/" + account);
  s->set_status(v1::WORKFLOW_STATUS_PROCESSED);
  s->set_raw_status("PROCESSED");
  return cb;
}

class ErasureStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string dir = ::jumio::testing::MakeTempDir();
    if (GetParam() == "redis") {
      auto redis = testing::StartRedis(dir);
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = *std::move(redis);
      RedisCallbackLog::Options o;
      o.address = redis_.address();
      o.prefix = "erasure-store-test";
      auto log = RedisCallbackLog::Open(o);
      ASSERT_TRUE(log.ok()) << log.status();
      log_ = *std::move(log);
    } else {
      SqliteCallbackLog::Options o;
      o.path = dir + "/callbacks.db";
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
  std::vector<v1::Callback> All() {
    auto r = log_->Read("", 1000, Filter());
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->callbacks : std::vector<v1::Callback>();
  }

  testing::RedisServer redis_;
  std::unique_ptr<CallbackLog> log_;
};

TEST_P(ErasureStoreTest, ErasesOneAccountAndKeepsTheRest) {
  const std::string a1 = Append(Cb("A", "w1"));
  Append(Cb("A", "w2"));
  Append(Cb("B", "w3"));
  v1::CallbackEnrichment enrichment;
  enrichment.mutable_decision()->set_risk_score(7);
  ASSERT_TRUE(log_->AttachEnrichment(a1, enrichment).ok());
  ASSERT_TRUE(log_->EnsureSubscription("s", "").ok());
  auto claimed = log_->Claim("s", "c", 10, absl::Seconds(10), Filter());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->callbacks.size(), 3u);
  ASSERT_TRUE(log_->PutBinding("nonce-a", {v1::REGION_EMEA_1, "A"}).ok());
  ASSERT_TRUE(log_->PutBinding("nonce-b", {v1::REGION_EMEA_1, "B"}).ok());
  const v1::Callback deleted = DeletedEvent(v1::REGION_EMEA_1, "A", "w0");
  ASSERT_TRUE(log_->Append(deleted, DedupKey(deleted)).ok());

  auto erased = log_->Erase("A", "");
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, (std::vector<std::string>{"w1", "w2"}));

  const std::vector<v1::Callback> left = All();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].workflow_execution().id(), "w3");
  EXPECT_EQ(left[1].source(), v1::CALLBACK_SOURCE_DELETED);  // kept
  // The same callback may be stored again (its dedup key went too).
  auto again = log_->Append(Cb("A", "w1"), DedupKey(Cb("A", "w1")));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->duplicate);
  // Enrichment of an erased cursor does not come back.
  EXPECT_TRUE(log_->AttachEnrichment(a1, enrichment).ok());
  for (const v1::Callback& cb : All()) EXPECT_NE(cb.cursor(), a1);

  auto binding = log_->GetBinding("nonce-a");
  ASSERT_TRUE(binding.ok());
  EXPECT_FALSE(binding->has_value());
  binding = log_->GetBinding("nonce-b");
  ASSERT_TRUE(binding.ok());
  EXPECT_TRUE(binding->has_value());

  // One execution only, then nothing left to erase.
  erased = log_->Erase("A", "w1");
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(*erased, (std::vector<std::string>{"w1"}));
  erased = log_->Erase("A", "");
  ASSERT_TRUE(erased.ok());
  EXPECT_TRUE(erased->empty());
}

TEST_P(ErasureStoreTest, IntentsRoundTrip) {
  const ErasureIntent account{"emea-1", "A", ""};
  const ErasureIntent execution{"emea-1", "A", "w1"};
  ASSERT_TRUE(log_->PutErasureIntent(account).ok());
  ASSERT_TRUE(log_->PutErasureIntent(execution).ok());
  ASSERT_TRUE(log_->PutErasureIntent(account).ok());  // again: fine
  auto intents = log_->ErasureIntents(10);
  ASSERT_TRUE(intents.ok()) << intents.status();
  ASSERT_EQ(intents->size(), 2u);
  ASSERT_TRUE(log_->DeleteErasureIntent(account).ok());
  intents = log_->ErasureIntents(10);
  ASSERT_TRUE(intents.ok());
  ASSERT_EQ(intents->size(), 1u);
  EXPECT_EQ((*intents)[0].workflow_execution_id, "w1");
}

TEST_P(ErasureStoreTest, RedisEntriesOfOlderGatewaysAreReadAndErased) {
  if (GetParam() != "redis") GTEST_SKIP() << "Redis stream format only";
  redisContext* c = redisConnect("127.0.0.1", redis_.port);
  ASSERT_NE(c, nullptr);
  const std::string old = Cb("A", "w-old").SerializeAsString();
  auto* r = static_cast<redisReply*>(redisCommand(
      c, "XADD erasure-store-test:log * d %b", old.data(), old.size()));
  ASSERT_NE(r, nullptr);
  freeReplyObject(r);
  Append(Cb("A", "w-new"));
  std::vector<v1::Callback> all = All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].workflow_execution().id(), "w-old");
  EXPECT_EQ(all[1].workflow_execution().id(), "w-new");
  auto erased = log_->Erase("A", "");
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(erased->size(), 2u);
  EXPECT_TRUE(All().empty());
  redisFree(c);
}

INSTANTIATE_TEST_SUITE_P(Stores, ErasureStoreTest,
                         ::testing::Values("sqlite", "redis"));

}  // namespace
}  // namespace jumio_gateway::callbacks
