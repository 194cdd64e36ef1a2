// The real jumio-gateway binary against the real jumio-sandbox binary on
// loopback: what a caller of the gRPC API sees, and (through the sandbox's
// journal) exactly what reached "Jumio".
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "rapidjson/document.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;

using GatewaySandboxTest = testing::GatewayFixture;
using testing::Context;
using testing::DetailsOf;
using testing::ErrorDetails;

TEST_F(GatewaySandboxTest, Workflow3FromCreateToDecisionDownloadAndDelete) {
  v1::CreateAccountResponse created = Create(3, "customer-42");
  ASSERT_FALSE(created.account_id().empty());
  EXPECT_EQ(created.account(),
            "regions/emea-1/accounts/" + created.account_id());
  const std::string workflow = created.workflow_execution().name();
  ASSERT_EQ(workflow.rfind(created.account() + "/workflowExecutions/", 0), 0u)
      << workflow;
  auto parts = Parts(created.workflow_execution());
  ASSERT_TRUE(parts.count("FRONT") && parts.count("BACK") &&
              parts.count("FACE"))
      << created.DebugString();

  const std::string front = ::jumio::sandbox::testing::Jpeg(1200, 800);
  v1::UploadCredentialPartResponse uploaded;
  ASSERT_TRUE(Upload(parts["FRONT"], front, &uploaded, /*chunk=*/7).ok());
  EXPECT_EQ(uploaded.part(), parts["FRONT"]);
  EXPECT_EQ(uploaded.content_type(), "image/jpeg");
  ASSERT_TRUE(Upload(parts["BACK"], ::jumio::sandbox::testing::Jpeg(1200, 800),
                     &uploaded)
                  .ok());
  ASSERT_TRUE(
      Upload(parts["FACE"], ::jumio::sandbox::testing::Png(640, 480), &uploaded)
          .ok());

  v1::FinalizeWorkflowExecutionRequest finalize;
  finalize.set_name(workflow);
  v1::FinalizeWorkflowExecutionResponse finalized;
  grpc::Status status = workflows_->FinalizeWorkflowExecution(
      Context().get(), finalize, &finalized);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(WaitForStatus(workflow, "PROCESSED"), "PROCESSED");

  v1::GetWorkflowExecutionRequest get;
  get.set_name(workflow);
  v1::GetWorkflowExecutionResponse details;
  status = workflows_->GetWorkflowExecution(Context().get(), get, &details);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(details.workflow_execution().decision().type(),
            v1::DECISION_TYPE_PASSED)
      << details.workflow_execution().decision().DebugString();

  v1::ListWorkflowExecutionStepsRequest steps_request;
  steps_request.set_parent(workflow);
  v1::ListWorkflowExecutionStepsResponse steps;
  EXPECT_TRUE(
      workflows_
          ->ListWorkflowExecutionSteps(Context().get(), steps_request, &steps)
          .ok());

  // The stored front image comes back byte for byte, in chunks.
  v1::GetCredentialPartRequest download;
  download.set_name(parts["FRONT"]);
  download.set_chunk_size_bytes(4096);
  auto context = Context();
  auto reader = credentials_->GetCredentialPart(context.get(), download);
  v1::GetCredentialPartResponse message;
  std::string bytes;
  std::string content_type;
  while (reader->Read(&message)) {
    if (message.has_metadata())
      content_type = message.metadata().content_type();
    bytes += message.chunk();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(content_type, "image/jpeg");
  EXPECT_EQ(bytes, front);

  v1::DeleteAccountRequest remove;
  remove.set_name(created.account());
  v1::DeleteAccountResponse removed;
  ASSERT_TRUE(accounts_->DeleteAccount(Context().get(), remove, &removed).ok());
  v1::GetAccountRequest again;
  again.set_name(created.account());
  v1::GetAccountResponse gone;
  status = accounts_->GetAccount(Context().get(), again, &gone);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(status).reason, "NOT_FOUND");
}

TEST_F(GatewaySandboxTest, RejectionChosenByTheCallerComesBackTyped) {
  v1::CreateAccountResponse created = Create(3, "sandbox:reject:FAKE");
  auto parts = Parts(created.workflow_execution());
  v1::UploadCredentialPartResponse uploaded;
  for (const char* part : {"FRONT", "BACK"}) {
    ASSERT_TRUE(Upload(parts[part], ::jumio::sandbox::testing::Jpeg(1000, 700),
                       &uploaded)
                    .ok());
  }
  ASSERT_TRUE(Upload(parts["FACE"], ::jumio::sandbox::testing::Jpeg(600, 600),
                     &uploaded)
                  .ok());
  v1::FinalizeWorkflowExecutionRequest finalize;
  finalize.set_name(created.workflow_execution().name());
  v1::FinalizeWorkflowExecutionResponse finalized;
  ASSERT_TRUE(
      workflows_
          ->FinalizeWorkflowExecution(Context().get(), finalize, &finalized)
          .ok());
  ASSERT_EQ(WaitForStatus(created.workflow_execution().name(), "PROCESSED"),
            "PROCESSED");
  v1::GetWorkflowExecutionRequest get;
  get.set_name(created.workflow_execution().name());
  v1::GetWorkflowExecutionResponse details;
  ASSERT_TRUE(
      workflows_->GetWorkflowExecution(Context().get(), get, &details).ok());
  EXPECT_EQ(details.workflow_execution().decision().type(),
            v1::DECISION_TYPE_REJECTED);
}

TEST_F(GatewaySandboxTest, RegionsAreIsolated) {
  v1::CreateAccountResponse created = Create(2, "iso", v1::REGION_APAC_1);
  ASSERT_EQ(created.account().rfind("regions/apac-1/", 0), 0u);
  for (const char* other : {"amer-1", "emea-1"}) {
    v1::GetAccountRequest request;
    request.set_name(
        absl::StrCat("regions/", other, "/accounts/", created.account_id()));
    v1::GetAccountResponse response;
    EXPECT_EQ(
        accounts_->GetAccount(Context().get(), request, &response).error_code(),
        grpc::StatusCode::NOT_FOUND)
        << other;
  }
  for (const std::string& entry : Journal("&pathPrefix=/api/v1/accounts")) {
    if (entry.find(created.account_id()) == std::string::npos) continue;
    if (entry.rfind("GET", 0) == 0)
      continue;  // the lookups above, in their own regions
    EXPECT_NE(entry.find(" apac-1 "), std::string::npos) << entry;
  }
}

TEST_F(GatewaySandboxTest, BadUploadsAreRejectedBeforeAnythingGoesUpstream) {
  v1::CreateAccountResponse created = Create(2, "uploads");
  auto parts = Parts(created.workflow_execution());
  ASSERT_TRUE(parts.count("FRONT"));

  v1::UploadCredentialPartResponse response;
  grpc::Status status =
      Upload(parts["FRONT"], "GIF89a not an image", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "UNSUPPORTED_MEDIA_TYPE");

  std::string oversized = ::jumio::sandbox::testing::Jpeg(1000, 1000);
  oversized.resize(5 * 1000 * 1000 + 1, 'x');
  status = Upload(parts["FRONT"], oversized, &response, 1 << 20);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "PAYLOAD_TOO_LARGE");

  status = Upload("regions/emea-1/accounts/../parts/FRONT",
                  ::jumio::sandbox::testing::Jpeg(10, 10), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).fields,
            std::vector<std::string>{"metadata.name"});

  // Only part uploads have "/parts/" in their path: none may have reached
  // Jumio.
  for (const std::string& entry : Journal()) {
    EXPECT_EQ(entry.find("/parts/"), std::string::npos)
        << "reached Jumio: " << entry;
  }
}

TEST_F(GatewaySandboxTest, InvalidRequestsNameTheField) {
  v1::CreateAccountRequest request;
  request.set_user_reference(std::string(101, 'u'));
  request.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse response;
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ErrorDetails details = DetailsOf(status);
  EXPECT_EQ(details.reason, "INVALID_FIELD");
  EXPECT_EQ(details.fields, std::vector<std::string>{"user_reference"});

  v1::GetWorkflowExecutionRequest get;
  get.set_name("accounts/a/workflowExecutions/w");
  v1::GetWorkflowExecutionResponse got;
  status = workflows_->GetWorkflowExecution(Context().get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).fields, std::vector<std::string>{"name"});
}

TEST_F(GatewaySandboxTest,
       DeadlineShorterThanUpstreamLatencyIsDeadlineExceeded) {
  v1::CreateAccountResponse created = Create(2, "slow");
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","latencyMs":3000})");
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(created.workflow_execution().name());
  v1::GetWorkflowExecutionStatusResponse response;
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status =
      workflows_->GetWorkflowExecutionStatus(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(GatewaySandboxTest, UpstreamFaultsMapToRetryableCodes) {
  v1::CreateAccountResponse created = Create(2, "faults");
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(created.workflow_execution().name());
  v1::GetWorkflowExecutionStatusResponse response;

  // Retry-After longer than the caller's deadline: the gateway cannot retry
  // for it, and passes Jumio's answer on with RetryInfo.
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","rate429":1.0,
               "retryAfterSeconds":30,"remaining":1})");
  grpc::Status status = workflows_->GetWorkflowExecutionStatus(
      Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailsOf(status).reason, "UPSTREAM_RATE_LIMITED");
  EXPECT_TRUE(DetailsOf(status).retry);

  // One 503 is retried by the gateway; the caller never sees it.
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","errorRate":1.0,
               "errorStatus":503,"remaining":1})");
  EXPECT_TRUE(
      workflows_
          ->GetWorkflowExecutionStatus(Context().get(), request, &response)
          .ok());
  // 503s that outlast the retries reach it as UNAVAILABLE with RetryInfo.
  AddFault(R"({"region":"emea-1","hostKind":"retrieval","errorRate":1.0,
               "errorStatus":503})");
  status = workflows_->GetWorkflowExecutionStatus(Context().get(), request,
                                                  &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(DetailsOf(status).retry);
  ASSERT_EQ(
      http_.Send("DELETE", sandbox_url_ + "/_sandbox/faults", "", {}).status /
          100,
      2);

  AddFault(R"({"region":"emea-1","hostKind":"retrieval","malformedRate":1.0,
               "remaining":1})");
  status = workflows_->GetWorkflowExecutionStatus(Context().get(), request,
                                                  &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(DetailsOf(status).reason, "UPSTREAM_MALFORMED");

  // And the next call, with no fault left, works.
  EXPECT_TRUE(
      workflows_
          ->GetWorkflowExecutionStatus(Context().get(), request, &response)
          .ok());
}

TEST_F(GatewaySandboxTest, HundredConcurrentCallsShareOneTokenFetch) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&] {
      v1::GetPlatformStatusRequest request;
      request.add_regions(v1::REGION_AMER_1);
      v1::GetAccountRequest get;
      get.set_name("regions/amer-1/accounts/does-not-exist");
      v1::GetAccountResponse response;
      grpc::Status status =
          accounts_->GetAccount(Context().get(), get, &response);
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 100);
  // Journal entries are written after the sandbox answered: wait for one, then
  // count.
  ASSERT_TRUE(::jumio::testing::WaitFor(
      [&] { return !Journal("&region=amer-1&hostKind=auth").empty(); },
      absl::Seconds(5)));
  EXPECT_EQ(Journal("&region=amer-1&hostKind=auth").size(), 1u);
}

TEST_F(GatewaySandboxTest, RetriedCreateWithTheSameRequestIdMakesOneAccount) {
  v1::CreateAccountRequest request;
  request.set_request_id("6f1c2a8e-4b7d-4c3e-9a1f-2d5e8b7c6a90");
  request.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse first, second;
  ASSERT_TRUE(accounts_->CreateAccount(Context().get(), request, &first).ok());
  ASSERT_TRUE(accounts_->CreateAccount(Context().get(), request, &second).ok());
  EXPECT_EQ(first.account_id(), second.account_id());
  // The journal entry is written after the sandbox answered: wait for the
  // first, then count.
  ASSERT_TRUE(::jumio::testing::WaitFor(
      [&] { return !Journal("&hostKind=account&method=POST").empty(); },
      absl::Seconds(5)));
  EXPECT_EQ(Journal("&hostKind=account&method=POST").size(), 1u);

  request.set_user_reference("different body");
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), request, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(DetailsOf(status).reason, "REQUEST_ID_REUSED");
}

TEST_F(GatewaySandboxTest, TheCallersRequestIdTravelsToJumio) {
  v1::GetAccountRequest request;
  request.set_name("regions/apac-1/accounts/traced-account");
  v1::GetAccountResponse response;
  auto context = Context();
  context->AddMetadata("x-request-id", "trace-4711-abc");
  accounts_->GetAccount(context.get(), request, &response);
  // The sandbox writes its journal entry after it has answered, so wait for it
  // (bounded).
  std::string body;
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        body = http_
                   .Get(sandbox_url_ +
                        "/_sandbox/journal?hostKind=retrieval&region=apac-1")
                   .body;
        return body.find("trace-4711-abc") != std::string::npos;
      },
      absl::Seconds(5)))
      << body;
}

TEST_F(GatewaySandboxTest, PlatformStatusOfEveryRegion) {
  v1::GetPlatformStatusRequest request;
  v1::GetPlatformStatusResponse response;
  grpc::Status status =
      platform_->GetPlatformStatus(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.statuses_size(), 3);
  for (const auto& region : response.statuses()) {
    EXPECT_EQ(region.status(), v1::HEALTH_STATUS_UP) << region.DebugString();
  }
}

}  // namespace
}  // namespace jumio_gateway
