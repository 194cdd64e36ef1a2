// WorkflowExecutionService over a FakeJumioApi: names to ids, Jumio's answers
// to the API's messages, AIP-158 pages over Jumio's whole lists, and cancels.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "tests/server/api/service_fixture.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::testing::ElementsAre;

constexpr char kExecution[] =
    "regions/emea-1/accounts/a-1/workflowExecutions/w-1";

class WorkflowExecutionServiceTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    stub_ = v1::WorkflowExecutionService::NewStub(channel());
  }

  // Lists `total` executions and returns the ids on each page of `page_size`.
  std::vector<std::vector<std::string>> ListAllPages(int total, int page_size) {
    std::vector<v1::WorkflowExecutionSummary> all;
    for (int i = 0; i < total; ++i) {
      all.emplace_back().set_id(absl::StrCat("w-", i));
    }
    std::vector<std::vector<std::string>> pages;
    std::string token;
    do {
      fake_.Script<std::vector<v1::WorkflowExecutionSummary>>(
          "ListWorkflowExecutions", all);
      v1::ListWorkflowExecutionsRequest request;
      request.set_parent("regions/amer-1/accounts/a-1");
      request.set_page_size(page_size);
      request.set_page_token(token);
      grpc::ClientContext context;
      v1::ListWorkflowExecutionsResponse response;
      const grpc::Status status =
          stub_->ListWorkflowExecutions(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      std::vector<std::string>& ids = pages.emplace_back();
      for (const auto& execution : response.workflow_executions()) {
        ids.push_back(execution.id());
      }
      token = response.next_page_token();
    } while (!token.empty() && pages.size() < 10);
    return pages;
  }

  std::unique_ptr<v1::WorkflowExecutionService::Stub> stub_;
};

TEST_F(WorkflowExecutionServiceTest, InvalidNamesAndPagesAreRefusedByField) {
  using Stub = v1::WorkflowExecutionService::Stub;
  auto refused_field = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    const std::vector<std::string> fields = ViolationFields(status);
    return fields.size() == 1 ? fields[0] : "";
  };
  v1::GetWorkflowExecutionRequest get;
  get.set_name("regions/emea-1/accounts/a-1");
  EXPECT_EQ(refused_field(Unary(*stub_, &Stub::GetWorkflowExecution, get)),
            "name");

  v1::ListWorkflowExecutionStepsRequest steps;
  steps.set_parent("regions/emea-1/accounts/a 1/workflowExecutions/w");
  EXPECT_EQ(
      refused_field(Unary(*stub_, &Stub::ListWorkflowExecutionSteps, steps)),
      "parent");

  v1::ListWorkflowExecutionsRequest list;
  list.set_parent("regions/emea-1/accounts/a-1");
  list.set_page_size(-1);
  EXPECT_EQ(refused_field(Unary(*stub_, &Stub::ListWorkflowExecutions, list)),
            "page_size");
  list.set_page_size(0);
  list.set_page_token("not-a-token");
  EXPECT_EQ(refused_field(Unary(*stub_, &Stub::ListWorkflowExecutions, list)),
            "page_token");

  EXPECT_EQ(refused_field(Unary(*stub_, &Stub::FinalizeWorkflowExecution,
                                v1::FinalizeWorkflowExecutionRequest())),
            "name");
  EXPECT_EQ(refused_field(Unary(*stub_, &Stub::DeleteWorkflowExecution,
                                v1::DeleteWorkflowExecutionRequest())),
            "name");
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(WorkflowExecutionServiceTest, FinalizeFillsTheIdsJumioLeftOut) {
  v1::FinalizeWorkflowExecutionResponse answer;  // Jumio named nothing
  answer.mutable_response_time()->set_seconds(1700000000);
  fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
      "FinalizeWorkflowExecution", answer);
  v1::FinalizeWorkflowExecutionRequest request;
  request.set_name(kExecution);
  grpc::ClientContext context;
  v1::FinalizeWorkflowExecutionResponse response;
  ASSERT_TRUE(
      stub_->FinalizeWorkflowExecution(&context, request, &response).ok());
  EXPECT_EQ(response.name(), kExecution);
  EXPECT_EQ(response.id(), "w-1");
  EXPECT_EQ(response.account(), "regions/emea-1/accounts/a-1");
  EXPECT_EQ(response.account_id(), "a-1");
  EXPECT_EQ(response.response_time().seconds(), 1700000000);
  ASSERT_EQ(fake_.CallCount(), 1u);
  const testing::FakeJumioApi::Call call = fake_.Calls()[0];
  EXPECT_EQ(call.operation, "FinalizeWorkflowExecution");
  EXPECT_EQ(call.region, "emea-1");
  EXPECT_EQ(call.account, "a-1");
  EXPECT_EQ(call.workflow_execution, "w-1");
}

TEST_F(WorkflowExecutionServiceTest, StatusAndDetailsAreMappedAndViewIsPassed) {
  v1::WorkflowExecutionSummary summary;
  summary.set_id("w-1");
  summary.set_raw_status("PROCESSED");
  fake_.Script<v1::WorkflowExecutionSummary>("GetWorkflowExecutionStatus",
                                             summary);
  v1::WorkflowExecution details;
  details.set_id("w-1");
  (*details.mutable_raw()->mutable_fields())["workflow"].set_string_value("x");
  fake_.Script<v1::WorkflowExecution>("GetWorkflowExecutionDetails", details);
  {
    v1::GetWorkflowExecutionStatusRequest request;
    request.set_name(kExecution);
    grpc::ClientContext context;
    v1::GetWorkflowExecutionStatusResponse response;
    ASSERT_TRUE(
        stub_->GetWorkflowExecutionStatus(&context, request, &response).ok());
    EXPECT_EQ(response.workflow_execution().raw_status(), "PROCESSED");
  }
  v1::GetWorkflowExecutionRequest request;
  request.set_name(kExecution);
  request.set_view(v1::WORKFLOW_EXECUTION_VIEW_FULL);
  grpc::ClientContext context;
  v1::GetWorkflowExecutionResponse response;
  ASSERT_TRUE(stub_->GetWorkflowExecution(&context, request, &response).ok());
  EXPECT_EQ(response.workflow_execution().id(), "w-1");
  EXPECT_TRUE(
      response.workflow_execution().raw().fields().contains("workflow"));
  ASSERT_EQ(fake_.CallCount(), 2u);
  EXPECT_TRUE(fake_.Calls()[1].include_raw);
}

// The proto promises that a read_mask returns only the named fields, so that a
// caller who needs no personal data never receives the extraction.
TEST_F(WorkflowExecutionServiceTest, ReadMaskReturnsOnlyTheNamedFields) {
  v1::WorkflowExecution details;
  details.set_id("w-1");
  details.mutable_decision()->set_type(v1::DECISION_TYPE_PASSED);
  details.mutable_capabilities()->add_liveness()->set_id("l-1");
  details.mutable_capabilities()->add_extraction()->set_id("e-1");
  (*details.mutable_unmodeled_data()->mutable_fields())["x"].set_string_value(
      "y");
  fake_.Script<v1::WorkflowExecution>("GetWorkflowExecutionDetails", details);
  v1::GetWorkflowExecutionRequest request;
  request.set_name(kExecution);
  request.mutable_read_mask()->add_paths("decision");
  request.mutable_read_mask()->add_paths("capabilities.liveness");
  grpc::ClientContext context;
  v1::GetWorkflowExecutionResponse response;
  ASSERT_TRUE(stub_->GetWorkflowExecution(&context, request, &response).ok());
  const v1::WorkflowExecution& got = response.workflow_execution();
  EXPECT_EQ(got.decision().type(), v1::DECISION_TYPE_PASSED);
  ASSERT_EQ(got.capabilities().liveness_size(), 1);
  EXPECT_EQ(got.capabilities().extraction_size(), 0);
  EXPECT_EQ(got.id(), "");
  EXPECT_FALSE(got.has_unmodeled_data());

  // No mask: every field.
  fake_.Script<v1::WorkflowExecution>("GetWorkflowExecutionDetails", details);
  request.clear_read_mask();
  grpc::ClientContext all_context;
  ASSERT_TRUE(
      stub_->GetWorkflowExecution(&all_context, request, &response).ok());
  EXPECT_EQ(response.workflow_execution().capabilities().extraction_size(), 1);
  EXPECT_EQ(response.workflow_execution().id(), "w-1");
}

TEST_F(WorkflowExecutionServiceTest, AnUnknownReadMaskPathIsRefusedByField) {
  for (const char* path : {"no_such_field", "capabilities.nope", ""}) {
    v1::GetWorkflowExecutionRequest request;
    request.set_name(kExecution);
    request.mutable_read_mask()->add_paths(path);
    grpc::ClientContext context;
    v1::GetWorkflowExecutionResponse response;
    const grpc::Status status =
        stub_->GetWorkflowExecution(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(ViolationFields(status), ElementsAre("read_mask")) << path;
  }
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(WorkflowExecutionServiceTest, PagesCoverEveryExecutionOnceInOrder) {
  EXPECT_THAT(ListAllPages(5, 2),
              ElementsAre(ElementsAre("w-0", "w-1"), ElementsAre("w-2", "w-3"),
                          ElementsAre("w-4")));
  // One Jumio call per page, all to the parent's account.
  ASSERT_EQ(fake_.CallCount(), 3u);
  for (const auto& call : fake_.Calls()) {
    EXPECT_EQ(call.operation, "ListWorkflowExecutions");
    EXPECT_EQ(call.account, "a-1");
  }
}

TEST_F(WorkflowExecutionServiceTest, PageSizeZeroIsTheDefaultAndLargeIsCapped) {
  EXPECT_THAT(ListAllPages(3, 0),
              ElementsAre(ElementsAre("w-0", "w-1", "w-2")));
  const std::vector<std::vector<std::string>> pages = ListAllPages(1005, 5000);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].size(), 1000u);
  EXPECT_EQ(pages[1].size(), 5u);
}

TEST_F(WorkflowExecutionServiceTest, ATokenOfAnotherParentIsRefused) {
  std::vector<v1::WorkflowStep> steps(3);
  fake_.Script<std::vector<v1::WorkflowStep>>("ListWorkflowExecutionSteps",
                                              steps);
  v1::ListWorkflowExecutionStepsRequest request;
  request.set_parent(kExecution);
  request.set_page_size(1);
  std::string token;
  {
    grpc::ClientContext context;
    v1::ListWorkflowExecutionStepsResponse response;
    ASSERT_TRUE(
        stub_->ListWorkflowExecutionSteps(&context, request, &response).ok());
    EXPECT_EQ(response.steps_size(), 1);
    token = response.next_page_token();
    ASSERT_FALSE(token.empty());
  }
  request.set_parent("regions/emea-1/accounts/a-1/workflowExecutions/w-2");
  request.set_page_token(token);
  grpc::ClientContext context;
  v1::ListWorkflowExecutionStepsResponse response;
  const grpc::Status status =
      stub_->ListWorkflowExecutionSteps(&context, request, &response);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(WorkflowExecutionServiceTest, DeleteHonoursAllowMissing) {
  fake_.ScriptStatus("DeleteWorkflowExecution", absl::NotFoundError("gone"));
  v1::DeleteWorkflowExecutionRequest request;
  request.set_name(kExecution);
  request.set_allow_missing(true);
  grpc::ClientContext context;
  v1::DeleteWorkflowExecutionResponse response;
  ASSERT_TRUE(
      stub_->DeleteWorkflowExecution(&context, request, &response).ok());
  EXPECT_EQ(response.name(), kExecution);
  EXPECT_EQ(fake_.Calls()[0].workflow_execution, "w-1");
}

TEST_F(WorkflowExecutionServiceTest, ClientCancelReachesTheUpstreamCall) {
  fake_.Hold("ListWorkflowExecutionSteps");
  v1::ListWorkflowExecutionStepsRequest request;
  request.set_parent(kExecution);
  const grpc::Status status =
      CancelWhileUpstream([&](grpc::ClientContext* context) {
        v1::ListWorkflowExecutionStepsResponse response;
        return stub_->ListWorkflowExecutionSteps(context, request, &response);
      });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace jumio_gateway::api
