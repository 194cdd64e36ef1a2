// Secrets at rest (issue 17): after a CreateAccount with a request_id, the
// outcome the gateway keeps for retries is in its store (SQLite file or
// Redis), and none of the response's bearer credentials (the web-client
// link's token, the SDK token, the credentials' API tokens) is there in clear
// text: the stored row / key is read directly. A retry, also after a restart
// with the same storage key file, still gets the whole response; after a key
// rotation (a new key listed first) too, and only dropping the old key makes
// it the unknown-outcome answer.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway::testing {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr char kRequestId[] = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";

// Every bearer credential in a create response.
std::vector<std::string> TokensOf(const v1::CreateAccountResponse& response) {
  std::vector<std::string> tokens;
  const std::string& href = response.web_client().href();
  const size_t at = href.find("authorizationToken=");
  if (at != std::string::npos) {
    std::string token = href.substr(at + 19);
    tokens.push_back(token.substr(0, token.find('&')));
  }
  if (!response.sdk().token().empty()) tokens.push_back(response.sdk().token());
  if (!response.api().token().empty()) tokens.push_back(response.api().token());
  for (const auto& credential : response.workflow_execution().credentials()) {
    if (!credential.api().token().empty()) {
      tokens.push_back(credential.api().token());
    }
  }
  return tokens;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The record column of every row of the request_ids table, read with a
// connection of the test's own (the gateway keeps running).
std::vector<std::string> SqliteRecords(const std::string& path) {
  std::vector<std::string> records;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close_v2(db);
    return records;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT record FROM request_ids", -1, &stmt,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      records.emplace_back(
          static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
          sqlite3_column_bytes(stmt, 0));
    }
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return records;
}

// GET of every <prefix>:request-id:* key (SCAN, bounded).
std::vector<std::string> RedisRecords(int port, const std::string& prefix) {
  std::vector<std::string> values;
  redisContext* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err != 0) {
    ADD_FAILURE() << "cannot connect to redis on " << port;
    if (c != nullptr) redisFree(c);
    return values;
  }
  std::string cursor = "0";
  const std::string pattern = prefix + ":request-id:*";
  for (int round = 0; round < 1000; ++round) {
    auto* scan = static_cast<redisReply*>(redisCommand(
        c, "SCAN %s MATCH %s COUNT 100", cursor.c_str(), pattern.c_str()));
    if (scan == nullptr || scan->type != REDIS_REPLY_ARRAY ||
        scan->elements != 2) {
      ADD_FAILURE() << "SCAN failed";
      if (scan != nullptr) freeReplyObject(scan);
      break;
    }
    cursor = std::string(scan->element[0]->str, scan->element[0]->len);
    for (size_t i = 0; i < scan->element[1]->elements; ++i) {
      const redisReply* key = scan->element[1]->element[i];
      auto* value = static_cast<redisReply*>(
          redisCommand(c, "GET %b", key->str, key->len));
      if (value != nullptr && value->type == REDIS_REPLY_STRING) {
        values.emplace_back(value->str, value->len);
      } else {
        ADD_FAILURE() << "GET of a request-id key failed";
      }
      if (value != nullptr) freeReplyObject(value);
    }
    freeReplyObject(scan);
    if (cursor == "0") break;
  }
  redisFree(c);
  return values;
}

class SecretsAtRestTest : public GatewayFixture,
                          public ::testing::WithParamInterface<std::string> {
 protected:
  bool redis() const { return GetParam() == "redis"; }

  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = CallbackReceiverArgs();
    args.push_back("--shutdown_grace=1s");  // restarts need no drain here
    if (redis()) {
      absl::StatusOr<callbacks::testing::RedisServer> server =
          callbacks::testing::StartRedis(dir_);
      EXPECT_TRUE(server.ok()) << server.status();
      if (server.ok()) redis_ = *std::move(server);
      args.push_back("--callback_store=redis");
      args.push_back("--callback_redis_address=" + redis_.address());
      args.push_back("--callback_redis_prefix=secrets-test");
    }
    return args;
  }

  void TearDown() override {
    gateway_.reset();  // before the store it writes to
    if (redis_.proc != nullptr) redis_.proc->Stop();
  }

  grpc::Status Create(v1::CreateAccountResponse* response) {
    v1::CreateAccountRequest request;
    request.set_request_id(kRequestId);
    request.set_region(v1::REGION_EMEA_1);
    request.set_customer_internal_reference("order-5678");
    request.set_user_reference("secrets-user");
    request.mutable_workflow_definition()->set_key(3);
    return accounts_->CreateAccount(Context().get(), request, response);
  }

  // Restarts the gateway (SIGTERM) with storage_key_files = `files`.
  void RestartWithKeys(const std::vector<std::string>& files) {
    for (std::string& arg : gateway_extra_args_) {
      if (absl::StartsWith(arg, "--storage_key_files=")) {
        arg = "--storage_key_files=" + absl::StrJoin(files, ",");
      }
    }
    RestartGateway(SIGTERM);
  }

  std::vector<std::string> StoredRecords() {
    return redis() ? RedisRecords(redis_.port, "secrets-test")
                   : SqliteRecords(dir_ + "/callbacks.db");
  }

  callbacks::testing::RedisServer redis_;
};

TEST_P(SecretsAtRestTest, StoredOutcomesHoldNoTokenInClearText) {
  if (redis()) {
    ASSERT_NE(redis_.proc, nullptr);
  }
  v1::CreateAccountResponse created;
  const grpc::Status status = Create(&created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<std::string> tokens = TokensOf(created);
  // Workflow 3 in the sandbox: a web link, an SDK token and API tokens.
  ASSERT_GE(tokens.size(), 3u) << created.DebugString();
  for (const std::string& token : tokens) ASSERT_GE(token.size(), 8u);

  const std::vector<std::string> records = StoredRecords();
  ASSERT_EQ(records.size(), 1u);
  for (const std::string& token : tokens) {
    EXPECT_EQ(records[0].find(token), std::string::npos)
        << "a token is stored in clear text";
  }
  // The whole outcome is sealed: not even the account id is in it in clear.
  // The record's head names the account (its subject, not a credential), so
  // that DeleteAccount can erase the outcome.
  const size_t head_end = records[0].find('\n');
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(records[0].substr(head_end).find(created.account_id()),
            std::string::npos);
  EXPECT_NE(records[0].substr(0, head_end).find(created.account_id()),
            std::string::npos);
  if (!redis()) {
    // The database file and its WAL as bytes, not only the row.
    for (const char* suffix : {"", "-wal"}) {
      const std::string bytes = ReadFile(dir_ + "/callbacks.db" + suffix);
      for (const std::string& token : tokens) {
        EXPECT_EQ(bytes.find(token), std::string::npos)
            << "a token in callbacks.db" << suffix;
      }
    }
  }

  // The sealed outcome opens: a retry gets the same response, also from a
  // restarted gateway with the same storage key file.
  v1::CreateAccountResponse retried;
  ASSERT_TRUE(Create(&retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), created.SerializeAsString());
  RestartGateway(SIGTERM);
  v1::CreateAccountResponse after_restart;
  const grpc::Status again = Create(&after_restart);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(after_restart.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(Journal("&method=POST&hostKind=account").size(), 1u);
}

TEST_P(SecretsAtRestTest, KeyRotationKeepsTheOldOutcomeReadable) {
  if (redis()) {
    ASSERT_NE(redis_.proc, nullptr);
  }
  v1::CreateAccountResponse created;
  ASSERT_TRUE(Create(&created).ok());
  const std::string old_key = dir_ + "/storage-key";  // CallbackReceiverArgs'
  const std::string new_key = dir_ + "/storage-key-new";
  std::ofstream(new_key) << std::string(64, 'b') << "\n";

  // The new key first, the old one still listed: the old outcome opens.
  RestartWithKeys({new_key, old_key});
  v1::CreateAccountResponse rotated;
  const grpc::Status status = Create(&rotated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rotated.SerializeAsString(), created.SerializeAsString());

  // The old key dropped: the old outcome is the unknown-outcome answer, and
  // still nothing is sent again.
  RestartWithKeys({new_key});
  v1::CreateAccountResponse ignored;
  const grpc::Status dropped = Create(&ignored);
  EXPECT_EQ(dropped.error_code(), grpc::StatusCode::ABORTED)
      << dropped.error_message();
  EXPECT_EQ(DetailsOf(dropped).reason, "REQUEST_OUTCOME_UNKNOWN");
  EXPECT_NE(dropped.error_message().find("storage_key_files"),
            std::string::npos)
      << dropped.error_message();
  for (const std::string& token : TokensOf(created)) {
    EXPECT_EQ(dropped.error_message().find(token), std::string::npos);
  }
  EXPECT_EQ(Journal("&method=POST&hostKind=account").size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, SecretsAtRestTest,
                         ::testing::Values("sqlite", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param;
                         });

}  // namespace
}  // namespace jumio_gateway::testing
