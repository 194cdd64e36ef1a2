// Retention (issue 17), through the real gateway on each store: with a
// retention of a few seconds, a whole verification's records (the callback
// with its user reference, the kept request-id outcome, the token binding,
// the tracked execution) leave the store by the background sweep alone,
// with no read asking for them; the oldest-record age and the deleted counts
// are on /metrics.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
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
using ::jumio::testing::WaitFor;
using testing::Context;

constexpr char kPrefix[] = "retention-test";

class RetentionTest : public testing::GatewayFixture,
                      public ::testing::WithParamInterface<std::string> {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = CallbackReceiverArgs();
    args.push_back("--admin_port_file=" + dir_ + "/admin.port");
    args.push_back("--callback_retention=4s");
    args.push_back("--callback_binding_retention=4s");
    args.push_back("--request_id_retention=4s");
    args.push_back("--callback_retention_interval=1s");
    if (GetParam() == "redis") {
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
  // Files under dir_ and Redis keys holding `canary`.
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
  std::string Metrics() {
    std::ifstream port_file(dir_ + "/admin.port");
    int port = 0;
    port_file >> port;
    if (port == 0) return "";
    return http_.Get(absl::StrCat("http://127.0.0.1:", port, "/metrics")).body;
  }

  callbacks::testing::RedisServer redis_;
};

TEST_P(RetentionTest, RecordsLeaveTheStoreWithoutReads) {
  const std::string user_canary = "RETENTION-USER-REF-51c0de";
  v1::CreateAccountRequest create;
  create.set_region(v1::REGION_EMEA_1);
  create.set_request_id("0b7e4d2c-9a31-4f6e-8c5d-7e2a1b9f3c40");
  create.set_user_reference(user_canary);
  create.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse created;
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(UploadIdAndFinalize(created, JpegWithCanary("front"),
                                  JpegWithCanary("back"))
                  .ok());

  // The callback is stored (the sandbox posts it within a second or so) ...
  ASSERT_TRUE(
      WaitFor([&] { return !WhereIs(user_canary).empty(); }, absl::Seconds(20)))
      << "the callback never reached the store";
  // ... and from now on nothing reads it: the sweep alone removes it.
  ASSERT_TRUE(
      WaitFor([&] { return WhereIs(user_canary).empty(); }, absl::Seconds(30)))
      << "still stored in " << WhereIs(user_canary).front();

  // The metrics say what went, and that nothing old is left.
  std::string text;
  auto has = [&text](const std::string& line) {
    return absl::StrContains(text, line);
  };
  const bool sqlite = GetParam() == "sqlite";
  EXPECT_TRUE(WaitFor(
      [&] {
        text = Metrics();
        return has("jumio_gateway_store_oldest_record_age_seconds{kind=\""
                   "callbacks\"} 0\n") &&
               (!sqlite ||
                has("jumio_gateway_store_oldest_record_age_seconds{kind=\""
                    "request_ids\"} 0\n"));
      },
      absl::Seconds(20)))
      << text;
  EXPECT_TRUE(
      has("jumio_gateway_store_retention_seconds{kind=\"callbacks\"} "
          "4\n"))
      << text;
  EXPECT_FALSE(
      has("jumio_gateway_store_retention_deleted_total{kind=\""
          "callbacks\"} 0\n"))
      << text;
  if (sqlite) {
    EXPECT_FALSE(
        has("jumio_gateway_store_retention_deleted_total{kind=\""
            "request_ids\"} 0\n"))
        << text;
    EXPECT_FALSE(
        has("jumio_gateway_store_retention_deleted_total{kind=\""
            "bindings\"} 0\n"))
        << text;
  } else {
    // Redis expires request ids and bindings by their keys' TTLs.
    EXPECT_FALSE(has("age_seconds{kind=\"request_ids\"}")) << text;
    EXPECT_FALSE(has("age_seconds{kind=\"bindings\"}")) << text;
  }

  // The feed agrees: the account's callback is gone.
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.mutable_filter()->add_accounts(created.account());
  v1::ListCallbacksResponse listed;
  status = feed->ListCallbacks(Context().get(), list, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(listed.callbacks_size(), 0) << listed.DebugString();
}

INSTANTIATE_TEST_SUITE_P(Stores, RetentionTest,
                         ::testing::Values("sqlite", "redis"));

}  // namespace
}  // namespace jumio_gateway
