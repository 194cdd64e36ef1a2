// Issue 11's done-when for request ids, end to end: a real jumio-sandbox whose
// account host answers the first create after 3 s (a latencyMs fault), one
// real redis-server, and two jumio-gateway processes sharing it as their
// callback store. The caller of a create gives up after 1 s; the retry with
// the same request_id on the other gateway, then on the first, returns the
// same account, and the sandbox's journal shows one POST. An answer cut
// after sending holds the id (REQUEST_OUTCOME_UNKNOWN), again with one POST.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway::testing {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr char kRequestId[] = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d";

class RequestIdTest : public GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    absl::StatusOr<callbacks::testing::RedisServer> redis =
        callbacks::testing::StartRedis(dir_);
    EXPECT_TRUE(redis.ok()) << redis.status();
    if (redis.ok()) redis_ = *std::move(redis);
    return ReplicaArgs();
  }

  // One replica's flags: its own callback port, the shared Redis.
  std::vector<std::string> ReplicaArgs() {
    std::vector<std::string> args = CallbackReceiverArgs();
    args.push_back("--callback_store=redis");
    args.push_back("--callback_redis_address=" + redis_.address());
    args.push_back("--upstream_timeout=10s");
    return args;
  }

  static v1::CreateAccountRequest Request() {
    v1::CreateAccountRequest request;
    request.set_request_id(kRequestId);
    request.set_region(v1::REGION_EMEA_1);
    request.set_customer_internal_reference("order-1234");
    request.mutable_workflow_definition()->set_key(2);
    return request;
  }

  static grpc::Status Create(v1::AccountService::Stub& stub,
                             absl::Duration timeout,
                             v1::CreateAccountResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(timeout));
    return stub.CreateAccount(&context, Request(), response);
  }

  callbacks::testing::RedisServer redis_;
};

TEST_F(RequestIdTest, ACallerThatGaveUpGetsOneAccountFromEitherReplica) {
  ASSERT_NE(redis_.proc, nullptr);
  auto second = StartGateway(ReplicaArgs(), dir_ + "/gateway-2.log");
  ASSERT_TRUE(second.ok()) << second.status();
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*second)->port()),
                          grpc::InsecureChannelCredentials());
  auto other = v1::AccountService::NewStub(channel);

  // Only the next account-host request is slow; tokens come from the auth
  // host at once.
  AddFault(R"({"region":"emea-1","hostKind":"account","latencyMs":3000,)"
           R"("remaining":1})");

  const absl::Time start = absl::Now();
  v1::CreateAccountResponse ignored;
  const grpc::Status gave_up = Create(*accounts_, absl::Seconds(1), &ignored);
  EXPECT_TRUE(gave_up.error_code() == grpc::StatusCode::ABORTED ||
              gave_up.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << gave_up.error_code() << " " << gave_up.error_message();

  // The other replica finds the id pending in Redis and waits for it.
  v1::CreateAccountResponse from_other;
  const grpc::Status retried = Create(*other, absl::Seconds(15), &from_other);
  const absl::Duration waited = absl::Now() - start;
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_FALSE(from_other.account_id().empty());

  v1::CreateAccountResponse from_first;
  ASSERT_TRUE(Create(*accounts_, absl::Seconds(5), &from_first).ok());
  EXPECT_EQ(from_first.SerializeAsString(), from_other.SerializeAsString());

  const std::vector<std::string> posts =
      Journal("&method=POST&hostKind=account");
  EXPECT_EQ(posts.size(), 1u);
  std::cout << "request_id e2e: first caller " << gave_up.error_code()
            << " after 1s deadline; retry on the other replica answered "
            << absl::FormatDuration(waited) << " after the first call began"
            << " (upstream latency 3s); POSTs in the journal: " << posts.size()
            << "\n";
}

TEST_F(RequestIdTest, AnAnswerCutAfterSendingHoldsTheIdWithOnePost) {
  // The sandbox creates the account, then closes the connection halfway
  // through its answer: the account may exist, so nothing is sent again.
  AddFault(R"({"region":"emea-1","hostKind":"account","dropRate":1.0,)"
           R"("remaining":1})");
  for (int i = 0; i < 2; ++i) {
    v1::CreateAccountResponse response;
    const grpc::Status status =
        Create(*accounts_, absl::Seconds(10), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
        << status.error_message();
    EXPECT_EQ(DetailsOf(status).reason, "REQUEST_OUTCOME_UNKNOWN");
    EXPECT_FALSE(DetailsOf(status).retry);
  }
  EXPECT_EQ(Journal("&method=POST&hostKind=account").size(), 1u);
}

}  // namespace
}  // namespace jumio_gateway::testing
