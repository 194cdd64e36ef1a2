// The C++ client library's channel: the published service config is in
// force (a read the gateway answers UNAVAILABLE is retried by the channel
// itself) and can be turned off.
#include "client/gateway_client.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jumio/gateway/v1/account.grpc.pb.h"

namespace jumio_gateway::client {
namespace {

namespace v1 = ::jumio::gateway::v1;

// Answers GetAccount UNAVAILABLE `failures` times, then OK.
class FlakyAccounts final : public v1::AccountService::CallbackService {
 public:
  explicit FlakyAccounts(int failures) : failures_(failures) {}
  grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* context,
                                       const v1::GetAccountRequest*,
                                       v1::GetAccountResponse*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(calls_.fetch_add(1) < failures_
                        ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy")
                        : grpc::Status::OK);
    return reactor;
  }
  int calls() const { return calls_.load(); }

 private:
  const int failures_;
  std::atomic<int> calls_{0};
};

class GatewayClientTest : public ::testing::Test {
 protected:
  void Start(int failures) {
    service_ = std::make_unique<FlakyAccounts>(failures);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    target_ = absl::StrCat("127.0.0.1:", port);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  grpc::Status GetAccount(const ConnectionOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Connect(options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    auto stub = v1::AccountService::NewStub(*channel);
    v1::GetAccountRequest request;
    request.set_name("regions/amer-1/accounts/a");
    v1::GetAccountResponse response;
    return stub->GetAccount(NewContext(absl::Seconds(20)).get(), request,
                            &response);
  }

  std::unique_ptr<FlakyAccounts> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

TEST_F(GatewayClientTest, ThePublishedRetryPolicyRetriesUnavailableReads) {
  Start(/*failures=*/2);
  ConnectionOptions options;
  options.target = target_;
  EXPECT_EQ(options.service_config_json, PublishedServiceConfig());
  EXPECT_NE(options.service_config_json.find("retryPolicy"), std::string::npos);
  const grpc::Status status = GetAccount(options);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_->calls(), 3);
}

TEST_F(GatewayClientTest, WithoutAServiceConfigNothingIsRetried) {
  Start(/*failures=*/2);
  ConnectionOptions options;
  options.target = target_;
  options.service_config_json.clear();
  EXPECT_EQ(GetAccount(options).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->calls(), 1);
}

}  // namespace
}  // namespace jumio_gateway::client
