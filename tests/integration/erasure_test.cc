// Erasure on delete (issue 17), the canary test: a whole verification through
// the real gateway against the sandbox, with canary values in everything the
// gateway may keep (user reference, customer internal reference, image
// bytes, and the tokens Jumio answered: web link, SDK, API); the callback is
// stored and enriched; then DeleteAccount. Afterwards a byte scan of every
// file under the gateway's data directory (SQLite main file, -wal, -shm,
// journals) and, for the Redis store, DUMP of every key under the prefix
// finds none of the canaries; the feed shows the execution's DELETED event
// (ids only) instead of its callback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/store_scan.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::sandbox::testing::JpegWithCanary;
using ::jumio::testing::FilesContaining;
using ::jumio::testing::RedisKeysContaining;
using testing::Context;

constexpr char kPrefix[] = "erasure-test";

class ErasureTest : public testing::GatewayFixture,
                    public ::testing::WithParamInterface<std::string> {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = CallbackReceiverArgs();
    if (GetParam() == "redis") {
      // Its own directory: the scan of dir_ is of the gateway's files.
      const std::string redis_dir = ::jumio::testing::MakeTempDir();
      absl::StatusOr<callbacks::testing::RedisServer> redis =
          callbacks::testing::StartRedis(redis_dir);
      EXPECT_TRUE(redis.ok()) << redis.status();
      if (redis.ok()) redis_ = *std::move(redis);
      args.push_back("--callback_store=redis");
      args.push_back("--callback_redis_address=" + redis_.address());
      args.push_back(absl::StrCat("--callback_redis_prefix=", kPrefix));
    }
    return args;
  }
  // Where each canary still is: files under dir_, and Redis keys.
  std::vector<std::string> WhereIs(const std::string& canary) {
    std::vector<std::string> found = FilesContaining(dir_, canary);
    if (redis_.proc != nullptr) {
      absl::StatusOr<std::vector<std::string>> keys =
          RedisKeysContaining(redis_.address(), kPrefix, canary);
      EXPECT_TRUE(keys.ok()) << keys.status();
      if (keys.ok()) found.insert(found.end(), keys->begin(), keys->end());
    }
    return found;
  }

  callbacks::testing::RedisServer redis_;
};

TEST_P(ErasureTest, DeleteAccountLeavesNoCanaryInTheStores) {
  const std::string user_canary = "CANARY-USER-REF-3f9a1c";
  const std::string reference_canary = "CANARY-CUSTOMER-REF-b27e44";
  const std::string image_canary = "CANARY-IMAGE-BYTES-90d2aa";

  v1::CreateAccountRequest create;
  create.set_region(v1::REGION_EMEA_1);
  // With a request id the outcome (tokens and all) is kept, sealed.
  create.set_request_id("5e0f8c2a-7b1d-4c3e-9a6f-2d8b4e1c7a90");
  create.set_customer_internal_reference(reference_canary);
  create.set_user_reference(user_canary);
  create.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse created;
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string workflow = created.workflow_execution().name();

  // The tokens Jumio answered are canaries too.
  std::vector<std::string> tokens;
  if (!created.web_client().href().empty()) {
    tokens.push_back(created.web_client().href());
  }
  if (!created.sdk().token().empty()) tokens.push_back(created.sdk().token());
  for (const auto& credential : created.workflow_execution().credentials()) {
    if (!credential.api().token().empty()) {
      tokens.push_back(credential.api().token());
    }
  }
  ASSERT_FALSE(tokens.empty()) << created.DebugString();

  ASSERT_TRUE(UploadIdAndFinalize(created, JpegWithCanary(image_canary),
                                  JpegWithCanary(image_canary))
                  .ok());

  // The callback is stored and enriched.
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.mutable_filter()->add_accounts(created.account());
  EXPECT_TRUE(AwaitCallback(list.filter(), /*enriched=*/true));
  // The scan sees what the store holds ...
  EXPECT_FALSE(WhereIs(user_canary).empty());
  // ... and, before the delete, no token in clear text: the kept outcome of
  // the request id is sealed (storage_key_files).
  for (const std::string& token : tokens) {
    const std::vector<std::string> at = WhereIs(token);
    EXPECT_TRUE(at.empty()) << "a token in clear text in " << at.front();
  }

  v1::DeleteAccountRequest del;
  del.set_name(created.account());
  v1::DeleteAccountResponse deleted;
  status = accounts_->DeleteAccount(Context().get(), del, &deleted);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The feed holds the DELETED events (the account's, then the
  // execution's), ids only, and nothing else of the account.
  v1::ListCallbacksResponse listed;
  status = feed->ListCallbacks(Context().get(), list, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.callbacks_size(), 2) << listed.DebugString();
  EXPECT_TRUE(listed.callbacks(0).workflow_execution().id().empty());
  EXPECT_EQ(listed.callbacks(1).workflow_execution().name(), workflow);
  for (const v1::Callback& event : listed.callbacks()) {
    EXPECT_EQ(event.source(), v1::CALLBACK_SOURCE_DELETED);
    EXPECT_EQ(event.workflow_execution().account(), created.account());
    EXPECT_EQ(event.workflow_execution().raw_status(), "DELETED");
    EXPECT_TRUE(event.user_reference().empty());
    EXPECT_FALSE(event.has_raw_body());
    EXPECT_FALSE(event.has_enrichment());
  }

  std::vector<std::string> canaries = {user_canary, reference_canary,
                                       image_canary};
  canaries.insert(canaries.end(), tokens.begin(), tokens.end());
  for (const std::string& canary : canaries) {
    const std::vector<std::string> at = WhereIs(canary);
    EXPECT_TRUE(at.empty()) << "still stored in " << at.front();
  }

  // The kept answer of the create went with the account; its request id
  // stays taken, so a retry creates nothing and is told so.
  v1::CreateAccountResponse again;
  status = accounts_->CreateAccount(Context().get(), create, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();
  EXPECT_TRUE(again.account().empty());

  // Deleting again converges: Jumio answers 404, nothing more to erase, no
  // second DELETED event.
  del.set_allow_missing(true);
  status = accounts_->DeleteAccount(Context().get(), del, &deleted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  status = feed->ListCallbacks(Context().get(), list, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(listed.callbacks_size(), 2) << listed.DebugString();
}

// DeleteWorkflowExecution erases that execution's records and leaves its
// DELETED event; the account's other records stay.
TEST_P(ErasureTest, DeleteWorkflowExecutionErasesThatExecutionOnly) {
  const std::string user_canary = "CANARY-USER-REF-exec-4e1b77";
  v1::CreateAccountResponse created = Create(2, user_canary);
  const std::string workflow = created.workflow_execution().name();
  ASSERT_TRUE(UploadIdAndFinalize(created, JpegWithCanary("front"),
                                  JpegWithCanary("back"))
                  .ok());
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.mutable_filter()->add_workflow_executions(workflow);
  ASSERT_TRUE(AwaitCallback(list.filter(), /*enriched=*/false));
  ASSERT_FALSE(WhereIs(user_canary).empty());

  v1::DeleteWorkflowExecutionRequest del;
  del.set_name(workflow);
  v1::DeleteWorkflowExecutionResponse deleted;
  grpc::Status status =
      workflows_->DeleteWorkflowExecution(Context().get(), del, &deleted);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::ListCallbacksResponse listed;
  status = feed->ListCallbacks(Context().get(), list, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.callbacks_size(), 1) << listed.DebugString();
  EXPECT_EQ(listed.callbacks(0).source(), v1::CALLBACK_SOURCE_DELETED);
  EXPECT_EQ(listed.callbacks(0).workflow_execution().name(), workflow);
  const std::vector<std::string> at = WhereIs(user_canary);
  EXPECT_TRUE(at.empty()) << "still stored in " << at.front();
}

// The ambiguous case: the gateway is killed after it sent DELETE to Jumio
// and before the answer (the sandbox has deleted the account and holds its
// answer). Restarted on the same store, it re-sends the delete (404: done)
// and finishes the erasure from the intent it recorded first.
TEST_P(ErasureTest, KilledBetweenJumiosDeleteAndItsAnswerARestartFinishes) {
  const std::string user_canary = "CANARY-USER-REF-crash-81c0de";
  v1::CreateAccountResponse created = Create(2, user_canary);
  const std::string workflow = created.workflow_execution().name();
  ASSERT_TRUE(UploadIdAndFinalize(created, JpegWithCanary("front"),
                                  JpegWithCanary("back"))
                  .ok());
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.mutable_filter()->add_accounts(created.account());
  ASSERT_TRUE(AwaitCallback(list.filter(), /*enriched=*/false));
  ASSERT_FALSE(WhereIs(user_canary).empty());

  // Every answer of the retrieval host (where deletes go) is held for a
  // minute from now on.
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","latencyMs":60000})");
  grpc::Status first;
  std::thread deleting([&] {
    v1::DeleteAccountRequest del;
    del.set_name(created.account());
    v1::DeleteAccountResponse deleted;
    first = accounts_->DeleteAccount(Context(90).get(), del, &deleted);
  });
  // The sandbox journals a request when it has decided it (and deleted).
  const bool sent = ::jumio::testing::WaitFor(
      [&] {
        for (const std::string& entry : Journal("&region=emea-1")) {
          if (absl::StartsWith(entry, "DELETE ")) return true;
        }
        return false;
      },
      absl::Seconds(30));
  EXPECT_TRUE(sent);
  // Answers are prompt again for the restarted gateway's re-sent delete; the
  // held one stays held.
  http_.Send("DELETE", sandbox_url_ + "/_sandbox/faults", "", {});
  if (sent) RestartGateway(SIGKILL);
  deleting.join();
  EXPECT_FALSE(first.ok());  // the caller never got Jumio's answer
  auto restarted_feed = v1::CallbackFeedService::NewStub(channel_);
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        v1::ListCallbacksResponse listed;
        if (!restarted_feed->ListCallbacks(Context().get(), list, &listed)
                 .ok()) {
          return false;
        }
        for (const v1::Callback& cb : listed.callbacks()) {
          if (cb.source() != v1::CALLBACK_SOURCE_DELETED) return false;
        }
        return listed.callbacks_size() == 2;
      },
      absl::Seconds(60)));
  const std::vector<std::string> at = WhereIs(user_canary);
  EXPECT_TRUE(at.empty()) << "still stored in " << at.front();
}

INSTANTIATE_TEST_SUITE_P(Stores, ErasureTest,
                         ::testing::Values("sqlite", "redis"));

}  // namespace
}  // namespace jumio_gateway
