// The RequestIdStore contract, run against every store: in memory, SQLite
// (the callback log's file) and Redis (a real redis-server on loopback).
// Begin is atomic under concurrency, Finish keeps the outcome, Release frees
// only its owner's pending record, records expire after the retention; the
// SQLite store survives a restart next to the callback log.
#include "server/callbacks/request_id_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/callbacks/redis_log.h"
#include "server/callbacks/redis_request_ids.h"
#include "server/callbacks/sqlite_log.h"
#include "server/callbacks/sqlite_request_ids.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

using State = RequestIdRecord::State;

RequestIdRecord Pending(const std::string& owner) {
  RequestIdRecord record;
  record.fingerprint = "f00d";
  record.owner = owner;
  record.lease_until = absl::FromUnixSeconds(1700000040);
  return record;
}

RequestIdRecord Done(const std::string& outcome) {
  RequestIdRecord record = Pending("r1");
  record.state = State::kDone;
  // Any bytes: a serialized google.rpc.Status.
  record.outcome = outcome;
  return record;
}

TEST(RequestIdRecordTest, EncodingRoundTripsAnyOutcomeBytes) {
  RequestIdRecord record = Done(std::string("a\nb \0c", 6));
  absl::optional<RequestIdRecord> back =
      DecodeRequestIdRecord(EncodeRequestIdRecord(record));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, record);
  EXPECT_FALSE(DecodeRequestIdRecord("garbage").has_value());
}

TEST(RequestIdRecordTest, SubjectRoundTripsAndRecordsWithoutOneStayVersion1) {
  RequestIdRecord record = Done("outcome");
  EXPECT_EQ(EncodeRequestIdRecord(record).substr(0, 2), "1 ");
  record.subject = "11111111-2222-3333-4444-555555555555";
  const std::string encoded = EncodeRequestIdRecord(record);
  EXPECT_EQ(encoded.substr(0, 2), "2 ");
  absl::optional<RequestIdRecord> back = DecodeRequestIdRecord(encoded);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, record);
}

class RequestIdStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = jumio::testing::MakeTempDir();
    if (GetParam() == "redis") {
      absl::StatusOr<testing::RedisServer> redis = testing::StartRedis(dir_);
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = *std::move(redis);
    }
    Open(absl::Hours(1));
  }

  void Open(absl::Duration retention) {
    store_.reset();
    log_.reset();
    if (GetParam() == "memory") {
      store_ = std::make_unique<InMemoryRequestIdStore>(clock_, retention);
    } else if (GetParam() == "sqlite") {
      SqliteRequestIdStore::Options options;
      options.path = dir_ + "/callbacks.db";
      options.retention = retention;
      options.clock = &clock_;
      auto store = SqliteRequestIdStore::Open(options);
      ASSERT_TRUE(store.ok()) << store.status();
      store_ = *std::move(store);
    } else {
      RedisCallbackLog::Options options;
      options.address = redis_.address();
      auto log = RedisCallbackLog::Open(options);
      ASSERT_TRUE(log.ok()) << log.status();
      log_ = *std::move(log);
      store_ = std::make_unique<RedisRequestIdStore>(log_.get(), retention);
    }
  }

  // Moves the store's time on past `by` (Redis expires on its own clock).
  bool Expired(const std::string& key, absl::Duration by) {
    clock_.Advance(by);
    return jumio::testing::WaitFor(
        [&] {
          auto got = store_->Get(key);
          return got.ok() && !got->has_value();
        },
        absl::Seconds(10));
  }

  jumio_gateway::testing::FakeClock clock_;
  std::string dir_;
  testing::RedisServer redis_;
  std::unique_ptr<RedisCallbackLog> log_;
  std::unique_ptr<RequestIdStore> store_;
};

TEST_P(RequestIdStoreTest, BeginFinishAndReplay) {
  auto first = store_->Begin("CreateAccount/id-1", Pending("r1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->has_value());
  auto second = store_->Begin("CreateAccount/id-1", Pending("r2"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, Pending("r1"));

  ASSERT_TRUE(store_->Finish("CreateAccount/id-1", Done("outcome")).ok());
  auto replay = store_->Begin("CreateAccount/id-1", Pending("r2"));
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay->has_value());
  EXPECT_EQ(**replay, Done("outcome"));
  auto got = store_->Get("CreateAccount/id-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, Done("outcome"));
  auto other = store_->Get("CreateAccount/id-2");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

// DeleteAccount: the account's kept answers go, byte for byte; their ids stay
// taken (the record, its fingerprint and expiry remain) and other accounts'
// answers are untouched.
TEST_P(RequestIdStoreTest, ForgetSubjectEmptiesOnlyThatAccountsOutcomes) {
  const std::string secret = "canary-sdk-token-7f3a";
  RequestIdRecord mine = Done("answer with " + secret);
  mine.subject = "account-a";
  RequestIdRecord theirs = Done("their answer");
  theirs.subject = "account-b";
  for (const char* key : {"CreateAccount/1", "UpdateAccount/2"}) {
    ASSERT_TRUE(store_->Begin(key, Pending("r1")).ok());
    ASSERT_TRUE(store_->Finish(key, mine).ok());
  }
  ASSERT_TRUE(store_->Begin("CreateAccount/3", Pending("r1")).ok());
  ASSERT_TRUE(store_->Finish("CreateAccount/3", theirs).ok());

  ASSERT_TRUE(store_->ForgetSubject("account-a").ok());
  ASSERT_TRUE(store_->ForgetSubject("account-a").ok());  // idempotent
  RequestIdRecord erased = mine;
  erased.outcome.clear();
  for (const char* key : {"CreateAccount/1", "UpdateAccount/2"}) {
    auto got = store_->Get(key);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << key;
    EXPECT_EQ(**got, erased) << key;
    // Still taken: a new Begin gets the (empty) record, not the key.
    auto again = store_->Begin(key, Pending("r2"));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->has_value());
  }
  auto other = store_->Get("CreateAccount/3");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ(**other, theirs);
  if (GetParam() == "sqlite") {
    for (const char* file : {"/callbacks.db", "/callbacks.db-wal"}) {
      std::ifstream in(dir_ + file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      EXPECT_EQ(bytes.find(secret), std::string::npos) << file;
    }
  }
}

TEST_P(RequestIdStoreTest, ReleaseFreesOnlyItsOwnersPendingRecord) {
  ASSERT_TRUE(store_->Begin("k", Pending("r1")).ok());
  ASSERT_TRUE(store_->Release("k", "r2").ok());
  EXPECT_TRUE(store_->Get("k")->has_value());
  ASSERT_TRUE(store_->Release("k", "r1").ok());
  EXPECT_FALSE(store_->Get("k")->has_value());

  // A done record is never released.
  ASSERT_TRUE(store_->Begin("k", Pending("r1")).ok());
  ASSERT_TRUE(store_->Finish("k", Done("outcome")).ok());
  ASSERT_TRUE(store_->Release("k", "r1").ok());
  EXPECT_TRUE(store_->Get("k")->has_value());
}

TEST_P(RequestIdStoreTest, ConcurrentBeginsHaveOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = store_->Begin("race", Pending(absl::StrCat("r", i)));
      if (!r.ok()) {
        ++errors;
      } else if (!r->has_value()) {
        ++winners;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(RequestIdStoreTest, RecordsExpireAfterTheRetention) {
  Open(absl::Milliseconds(300));
  ASSERT_TRUE(store_->Begin("k", Pending("r1")).ok());
  ASSERT_TRUE(store_->Finish("k", Done("outcome")).ok());
  ASSERT_TRUE(Expired("k", absl::Seconds(1)));
  auto again = store_->Begin("k", Pending("r2"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

// Rows in the SQLite store's table, read on a connection of the test's own
// (no Get or Begin of the store); -1 on error.
int64_t SqliteRows(const std::string& path) {
  sqlite3* db = nullptr;
  int64_t rows = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM request_ids", -1, &stmt,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      rows = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return rows;
}

// Issue 17: expired records go by the sweep alone, at most batch rows per
// statement and batch * max_batches per call; calling again finishes.
TEST_P(RequestIdStoreTest, RetentionSweepDeletesExpiredRecordsInBatches) {
  Open(absl::Minutes(1));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Begin(absl::StrCat("old", i), Pending("r1")).ok());
  }
  // Within the SQLite store's cleanup interval: this Begin deletes nothing.
  clock_.Advance(absl::Seconds(30));
  const absl::Time live_at = clock_.Now();
  ASSERT_TRUE(store_->Begin("live", Pending("r1")).ok());
  clock_.Advance(absl::Seconds(40));  // the five expired, "live" not
  if (GetParam() == "redis") {
    // Expiry is Redis's own (PX); the sweep has nothing to do.
    auto none = store_->ApplyRetention(2, 2);
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_EQ(*none, 0);
    EXPECT_FALSE(store_->Oldest()->swept);
    return;
  }
  // The expired ones still stored count: they are what the sweep owes.
  EXPECT_LT(*store_->Oldest()->written, live_at);
  const std::string db = dir_ + "/callbacks.db";
  if (GetParam() == "sqlite") {
    EXPECT_EQ(SqliteRows(db), 6);
  }
  auto first = store_->ApplyRetention(2, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 4);
  if (GetParam() == "sqlite") {
    EXPECT_EQ(SqliteRows(db), 2);
  }
  auto second = store_->ApplyRetention(2, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 1);
  if (GetParam() == "sqlite") {
    EXPECT_EQ(SqliteRows(db), 1);
  }
  EXPECT_EQ(*store_->ApplyRetention(2, 2), 0);
  EXPECT_EQ(**store_->Get("live"), Pending("r1"));
  auto oldest = store_->Oldest();
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_TRUE(oldest->swept);
  EXPECT_EQ(oldest->written, live_at);
}

// The gateway restarts (a new store over the same file or Redis).
TEST_P(RequestIdStoreTest, RecordsSurviveARestart) {
  if (GetParam() == "memory") GTEST_SKIP() << "per process by design";
  ASSERT_TRUE(store_->Begin("pending", Pending("r1")).ok());
  ASSERT_TRUE(store_->Begin("done", Pending("r1")).ok());
  ASSERT_TRUE(store_->Finish("done", Done("outcome")).ok());
  Open(absl::Hours(1));
  EXPECT_EQ(**store_->Get("pending"), Pending("r1"));
  EXPECT_EQ(**store_->Get("done"), Done("outcome"));
}

INSTANTIATE_TEST_SUITE_P(Stores, RequestIdStoreTest,
                         ::testing::Values("memory", "sqlite", "redis"),
                         [](const auto& info) { return info.param; });

// A file written before records had subjects: its table gains the column,
// and its records read as before.
TEST(SqliteRequestIdStoreTest, OpensATableFromBeforeSubjects) {
  const std::string path = jumio::testing::MakeTempDir() + "/callbacks.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string insert = absl::StrCat(
      "CREATE TABLE request_ids (key TEXT PRIMARY KEY, record BLOB NOT NULL, "
      "expires_us INTEGER NOT NULL); INSERT INTO request_ids VALUES ('k', '",
      EncodeRequestIdRecord(Done("outcome")), "', 9000000000000000);");
  ASSERT_EQ(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  jumio_gateway::testing::FakeClock clock;
  SqliteRequestIdStore::Options options;
  options.path = path;
  options.clock = &clock;
  auto store = SqliteRequestIdStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto got = (*store)->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, Done("outcome"));
  EXPECT_TRUE((*store)->ForgetSubject("anyone").ok());
}

TEST(SqliteRequestIdStoreTest, SharesTheCallbackLogsFile) {
  const std::string path = jumio::testing::MakeTempDir() + "/callbacks.db";
  jumio_gateway::testing::FakeClock clock;
  SqliteCallbackLog::Options log_options;
  log_options.path = path;
  log_options.clock = &clock;
  auto log = SqliteCallbackLog::Open(log_options);
  ASSERT_TRUE(log.ok()) << log.status();
  SqliteRequestIdStore::Options options;
  options.path = path;
  options.clock = &clock;
  auto store = SqliteRequestIdStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();

  // Writes of both interleave on one file.
  Binding binding;
  binding.region = ::jumio::gateway::v1::REGION_EMEA_1;
  binding.account_id = "a-1";
  ASSERT_TRUE((*log)->PutBinding("nonce-1", binding).ok());
  ASSERT_TRUE((*store)->Begin("k", Pending("r1")).ok());
  ASSERT_TRUE((*store)->Finish("k", Done("outcome")).ok());
  ASSERT_TRUE((*log)->PutBinding("nonce-2", binding).ok());
  store->reset();
  log->reset();

  auto reopened_log = SqliteCallbackLog::Open(log_options);
  ASSERT_TRUE(reopened_log.ok());
  auto found = (*reopened_log)->GetBinding("nonce-2");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  auto reopened = SqliteRequestIdStore::Open(options);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(**(*reopened)->Get("k"), Done("outcome"));
}

}  // namespace
}  // namespace jumio_gateway::callbacks
