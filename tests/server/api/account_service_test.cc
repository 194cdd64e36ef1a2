// AccountService over a FakeJumioApi: what reaches Jumio, what the caller gets
// back, and the request_id protocol.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "absl/synchronization/notification.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "server/errors/errors.h"
#include "tests/server/api/service_fixture.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kRequestId[] = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

v1::CreateAccountRequest ValidCreate() {
  v1::CreateAccountRequest request;
  request.mutable_workflow_definition()->set_key(2);
  request.set_customer_internal_reference("order-17");
  return request;
}

v1::CreateAccountResponse Created(const std::string& id) {
  v1::CreateAccountResponse response;
  response.set_account("regions/amer-1/accounts/" + id);
  response.set_account_id(id);
  response.mutable_workflow_execution()->set_id("w-1");
  return response;
}

class AccountServiceTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    stub_ = v1::AccountService::NewStub(channel());
  }

  // Lets the held create answer, then retries `request`: it gets
  // `account_id` without another call to Jumio.
  void ReleaseAndExpectTheRetryGets(const v1::CreateAccountRequest& request,
                                    const std::string& account_id) {
    fake_.Release(0);
    grpc::ClientContext context;
    v1::CreateAccountResponse retried;
    ASSERT_TRUE(stub_->CreateAccount(&context, request, &retried).ok());
    EXPECT_EQ(retried.account_id(), account_id);
    EXPECT_EQ(fake_.CallCount(), 1u);
  }

  // Jumio's answer to the first call is `answer`; both that call and its retry
  // get `code` and `reason`, with one call to Jumio.
  void ExpectKeptError(absl::Status answer, grpc::StatusCode code,
                       const std::string& reason) {
    fake_.Script<v1::CreateAccountResponse>("CreateAccount", std::move(answer));
    fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-2"));
    v1::CreateAccountRequest request = ValidCreate();
    request.set_request_id(kRequestId);
    for (int i = 0; i < 2; ++i) {
      grpc::ClientContext context;
      v1::CreateAccountResponse response;
      const grpc::Status status =
          stub_->CreateAccount(&context, request, &response);
      EXPECT_EQ(status.error_code(), code);
      EXPECT_EQ(Reason(status), reason);
    }
    EXPECT_EQ(fake_.CallCount(), 1u);
  }

  std::unique_ptr<v1::AccountService::Stub> stub_;
};

TEST_F(AccountServiceTest, InvalidRequestIdIsRefusedByNameAndNothingIsSent) {
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id("not-a-uuid");
  grpc::ClientContext context;
  v1::CreateAccountResponse response;
  const grpc::Status status =
      stub_->CreateAccount(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("request_id"));
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(AccountServiceTest, InvalidBodyIsRefusedByFieldAndNothingIsSent) {
  v1::CreateAccountRequest request;  // no workflow_definition
  grpc::ClientContext context;
  v1::CreateAccountResponse response;
  const grpc::Status status =
      stub_->CreateAccount(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("workflow_definition"));
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(AccountServiceTest, InvalidNamesAreRefusedByFieldAndNothingIsSent) {
  {
    v1::GetAccountRequest request;
    request.set_name("accounts/a-1");
    grpc::ClientContext context;
    v1::GetAccountResponse response;
    const grpc::Status status = stub_->GetAccount(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  }
  {
    v1::UpdateAccountRequest request;
    request.set_name("regions/mars-1/accounts/a-1");
    grpc::ClientContext context;
    v1::UpdateAccountResponse response;
    const grpc::Status status =
        stub_->UpdateAccount(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  }
  {
    v1::DeleteAccountRequest request;
    grpc::ClientContext context;
    v1::DeleteAccountResponse response;
    const grpc::Status status =
        stub_->DeleteAccount(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  }
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(AccountServiceTest, CreateSendsTheWrittenBodyToTheDefaultRegion) {
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-1"));
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "req-42");
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  v1::CreateAccountResponse response;
  const absl::Time before = absl::Now();
  ASSERT_TRUE(stub_->CreateAccount(&context, ValidCreate(), &response).ok());

  EXPECT_EQ(response.account(), "regions/amer-1/accounts/a-1");
  EXPECT_EQ(response.account_id(), "a-1");
  EXPECT_EQ(response.workflow_execution().id(), "w-1");
  ASSERT_EQ(fake_.CallCount(), 1u);
  const testing::FakeJumioApi::Call call = fake_.Calls()[0];
  EXPECT_EQ(call.operation, "CreateAccount");
  EXPECT_EQ(call.region, "amer-1");
  EXPECT_EQ(call.account, "");
  EXPECT_THAT(call.json_body, HasSubstr(R"("customerInternalReference":)"
                                        R"("order-17")"));
  EXPECT_THAT(call.json_body, HasSubstr(R"("key":2)"));
  EXPECT_EQ(call.options.request_id, "req-42");
  // The caller's 5 s deadline, not the 30 s cap, bounds the Jumio call.
  EXPECT_LE(call.options.deadline, before + absl::Seconds(6));
}

TEST_F(AccountServiceTest, UpdateGoesToTheNamedAccountAndRegion) {
  v1::UpdateAccountResponse answer;
  answer.set_account("regions/emea-1/accounts/a-9");
  answer.set_account_id("a-9");
  fake_.Script<v1::UpdateAccountResponse>("UpdateAccount", answer);
  v1::UpdateAccountRequest request;
  request.set_name("regions/emea-1/accounts/a-9");
  request.mutable_workflow_definition()->set_key(3);
  grpc::ClientContext context;
  v1::UpdateAccountResponse response;
  ASSERT_TRUE(stub_->UpdateAccount(&context, request, &response).ok());
  EXPECT_EQ(response.account_id(), "a-9");
  ASSERT_EQ(fake_.CallCount(), 1u);
  EXPECT_EQ(fake_.Calls()[0].region, "emea-1");
  EXPECT_EQ(fake_.Calls()[0].account, "a-9");
}

TEST_F(AccountServiceTest, RequestIdReplayReturnsTheStoredAnswerWithOneCall) {
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-1"));
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-2"));
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id(kRequestId);
  v1::CreateAccountResponse first;
  v1::CreateAccountResponse second;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateAccount(&context, request, &first).ok());
  }
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreateAccount(&context, request, &second).ok());
  }
  EXPECT_EQ(second.account_id(), "a-1");
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(fake_.CallCount(), 1u);

  // The same request_id with another body is refused, still without a call.
  request.set_customer_internal_reference("order-18");
  grpc::ClientContext context;
  v1::CreateAccountResponse third;
  const grpc::Status status = stub_->CreateAccount(&context, request, &third);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Reason(status), "REQUEST_ID_REUSED");
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(AccountServiceTest, AFailedCallIsNotStoredUnderItsRequestId) {
  // Jumio's 503 says it did nothing: the id is released and the retry sends.
  fake_.Script<v1::CreateAccountResponse>(
      "CreateAccount",
      errors::Error(absl::StatusCode::kUnavailable,
                    v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
                    "Jumio answered HTTP 503", {{"httpStatus", "503"}}));
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-3"));
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id(kRequestId);
  {
    grpc::ClientContext context;
    v1::CreateAccountResponse response;
    EXPECT_EQ(stub_->CreateAccount(&context, request, &response).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  grpc::ClientContext context;
  v1::CreateAccountResponse response;
  ASSERT_TRUE(stub_->CreateAccount(&context, request, &response).ok());
  EXPECT_EQ(response.account_id(), "a-3");
  EXPECT_EQ(fake_.CallCount(), 2u);
}

TEST_F(AccountServiceTest, GetMapsTheAccountAndUpstreamErrors) {
  v1::Account account;
  account.set_name("regions/apac-1/accounts/a-5");
  account.set_id("a-5");
  fake_.Script<v1::Account>("GetAccount", account);
  fake_.Script<v1::Account>("GetAccount",
                            absl::NotFoundError("not found at Jumio"));
  v1::GetAccountRequest request;
  request.set_name("regions/apac-1/accounts/a-5");
  {
    grpc::ClientContext context;
    v1::GetAccountResponse response;
    ASSERT_TRUE(stub_->GetAccount(&context, request, &response).ok());
    EXPECT_EQ(response.account().id(), "a-5");
    EXPECT_EQ(response.account().name(), "regions/apac-1/accounts/a-5");
  }
  grpc::ClientContext context;
  v1::GetAccountResponse response;
  EXPECT_EQ(stub_->GetAccount(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(fake_.CallCount(), 2u);
  EXPECT_EQ(fake_.Calls()[0].region, "apac-1");
  EXPECT_EQ(fake_.Calls()[0].account, "a-5");
}

TEST_F(AccountServiceTest, DeleteWithAllowMissingTreatsNotFoundAsDone) {
  fake_.ScriptStatus("DeleteAccount", absl::NotFoundError("gone"));
  fake_.ScriptStatus("DeleteAccount", absl::NotFoundError("gone"));
  v1::DeleteAccountRequest request;
  request.set_name("regions/amer-1/accounts/a-1");
  {
    grpc::ClientContext context;
    v1::DeleteAccountResponse response;
    EXPECT_EQ(stub_->DeleteAccount(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  request.set_allow_missing(true);
  grpc::ClientContext context;
  v1::DeleteAccountResponse response;
  ASSERT_TRUE(stub_->DeleteAccount(&context, request, &response).ok());
  EXPECT_EQ(response.name(), "regions/amer-1/accounts/a-1");
}

TEST_F(AccountServiceTest, ClientCancelReachesTheUpstreamCall) {
  fake_.Hold("GetAccount");
  v1::GetAccountRequest request;
  request.set_name("regions/amer-1/accounts/a-1");
  const grpc::Status status =
      CancelWhileUpstream([&](grpc::ClientContext* context) {
        v1::GetAccountResponse response;
        return stub_->GetAccount(context, request, &response);
      });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
}

// Runs CreateAccount on a thread of its own; Wait() joins it.
class BackgroundCreate {
 public:
  BackgroundCreate(v1::AccountService::Stub* stub,
                   const v1::CreateAccountRequest& request,
                   absl::Duration timeout = absl::Seconds(30)) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(timeout));
    thread_ = std::thread([this, stub, request] {
      status_ = stub->CreateAccount(&context_, request, &response_);
    });
  }
  ~BackgroundCreate() {
    if (thread_.joinable()) thread_.join();
  }
  grpc::ClientContext& context() { return context_; }
  const grpc::Status& Wait() {
    thread_.join();
    return status_;
  }
  const v1::CreateAccountResponse& response() const { return response_; }

 private:
  grpc::ClientContext context_;
  grpc::Status status_;
  v1::CreateAccountResponse response_;
  std::thread thread_;
};

// A create with kRequestId whose caller cancels once Jumio (holding it) has
// the call; returns the request.
v1::CreateAccountRequest CancelOnceSent(v1::AccountService::Stub* stub,
                                        testing::FakeJumioApi& fake) {
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id(kRequestId);
  BackgroundCreate first(stub, request);
  EXPECT_TRUE(fake.WaitForCalls(1));
  first.context().TryCancel();
  EXPECT_EQ(first.Wait().error_code(), grpc::StatusCode::CANCELLED);
  return request;
}

constexpr char kCreateKey[] =
    "CreateAccount/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

TEST_F(AccountServiceTest, ACallerCancelLeavesTheCreateRunningForTheRetry) {
  fake_.Hold("CreateAccount");
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-1"));
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-2"));
  const v1::CreateAccountRequest request = CancelOnceSent(stub_.get(), fake_);
  // The call was not cancelled, and it is bounded by the gateway's upstream
  // timeout, not by the caller.
  EXPECT_FALSE(fake_.Calls()[0].cancelled);
  EXPECT_EQ(fake_.Calls()[0].options.attempt_timeout, absl::Seconds(30));
  ReleaseAndExpectTheRetryGets(request, "a-1");
}

TEST_F(AccountServiceTest, ADeadlineThatPassesLeavesTheCreateRunning) {
  fake_.Hold("CreateAccount");
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-1"));
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id(kRequestId);
  const absl::Time before = absl::Now();
  {
    BackgroundCreate first(stub_.get(), request, absl::Milliseconds(500));
    ASSERT_TRUE(fake_.WaitForCalls(1));
    const grpc::Status& status = first.Wait();
    // Answered just before the deadline: the call goes on, retry for it.
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
    EXPECT_EQ(Reason(status), "REQUEST_IN_PROGRESS");
  }
  EXPECT_FALSE(fake_.Calls()[0].cancelled);
  EXPECT_GE(fake_.Calls()[0].options.deadline, before + absl::Seconds(29));
  ReleaseAndExpectTheRetryGets(request, "a-1");
}

TEST_F(AccountServiceTest, ARetryWhileTheCreateRunsWaitsForItsResult) {
  fake_.Hold("CreateAccount");
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-1"));
  v1::CreateAccountRequest request = ValidCreate();
  request.set_request_id(kRequestId);
  BackgroundCreate first(stub_.get(), request);
  ASSERT_TRUE(fake_.WaitForCalls(1));
  BackgroundCreate retry(stub_.get(), request);
  ASSERT_TRUE(idempotency_.AwaitWaiters(kCreateKey, 2, absl::Seconds(10)));

  // Another body under the same id is refused at once, while it runs.
  v1::CreateAccountRequest other = request;
  other.set_customer_internal_reference("order-18");
  grpc::ClientContext context;
  v1::CreateAccountResponse refused;
  const grpc::Status conflict = stub_->CreateAccount(&context, other, &refused);
  EXPECT_EQ(conflict.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Reason(conflict), "REQUEST_ID_REUSED");

  fake_.Release(0);
  ASSERT_TRUE(first.Wait().ok());
  ASSERT_TRUE(retry.Wait().ok());
  EXPECT_EQ(first.response().account_id(), "a-1");
  EXPECT_EQ(retry.response().SerializeAsString(),
            first.response().SerializeAsString());
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(AccountServiceTest, ATimeoutAfterSendingHoldsTheRequestId) {
  // The gateway's timeout once the POST was sent: the account may exist.
  ExpectKeptError(
      errors::Error(absl::StatusCode::kUnavailable,
                    v1::ERROR_REASON_UPSTREAM_TIMEOUT, "Jumio did not answer"),
      grpc::StatusCode::ABORTED, "REQUEST_OUTCOME_UNKNOWN");
}

TEST_F(AccountServiceTest, AJumioRejectionIsKeptAndReplayed) {
  ExpectKeptError(
      errors::Error(absl::StatusCode::kInvalidArgument,
                    v1::ERROR_REASON_UPSTREAM_REJECTED,
                    "Jumio rejected the request", {{"httpStatus", "400"}}),
      grpc::StatusCode::INVALID_ARGUMENT, "UPSTREAM_REJECTED");
}

// The gateway's own receiver becomes the callbackUrl of a new account, and
// the account Jumio created is bound to it.
class RecordingCallbackUrls : public CallbackUrlProvider {
 public:
  absl::StatusOr<Issued> IssueForNewAccount() override {
    return Issued{"https://gateway.example/callbacks/t1", "binding-1"};
  }
  absl::Status Bind(const std::string& binding, const std::string& region,
                    const std::string& account_id) override {
    bound = binding + " " + region + " " + account_id;
    return absl::OkStatus();
  }
  std::string UrlForAccount(const std::string& account_id) override {
    return "https://gateway.example/callbacks/for-" + account_id;
  }
  std::string bound;
};

class AccountCallbackUrlTest : public AccountServiceTest {
 protected:
  void Configure(ServiceContext& context) override {
    context.callback_urls = &urls_;
  }
  RecordingCallbackUrls urls_;
};

TEST_F(AccountCallbackUrlTest, NewAccountGetsTheGatewaysCallbackUrl) {
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-7"));
  grpc::ClientContext context;
  v1::CreateAccountResponse response;
  ASSERT_TRUE(stub_->CreateAccount(&context, ValidCreate(), &response).ok());
  ASSERT_EQ(fake_.CallCount(), 1u);
  EXPECT_THAT(fake_.Calls()[0].json_body,
              HasSubstr("https://gateway.example/callbacks/t1"));
  EXPECT_EQ(urls_.bound, "binding-1 amer-1 a-7");
}

TEST_F(AccountCallbackUrlTest, TheTokenIsBoundWhenTheCallerGaveUp) {
  fake_.Hold("CreateAccount");
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Created("a-7"));
  const v1::CreateAccountRequest request = CancelOnceSent(stub_.get(), fake_);
  fake_.Release(0);
  EXPECT_EQ(urls_.bound, "binding-1 amer-1 a-7");
}

}  // namespace
}  // namespace jumio_gateway::api
