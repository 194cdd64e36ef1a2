// Every workflow of workflow descriptions 003 that the API channel allows,
// driven through the gateway against the sandbox from account creation to a
// typed decision, plus the expiry paths.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

class WorkflowsTest : public testing::GatewayFixture {
 protected:
  // Uploads every part the workflow execution offers over the API: JPEG
  // documents, a PNG selfie, prepared data for DATA credentials.
  void UploadAll(const v1::AcquisitionWorkflowExecution& execution) {
    for (const auto& [classifier, part] : Parts(execution)) {
      v1::UploadCredentialPartResponse response;
      grpc::Status status;
      if (classifier == "PREPARED_DATA") {
        status = UploadPreparedData(part, &response);
      } else if (classifier == "FACE") {
        status =
            Upload(part, ::jumio::sandbox::testing::Png(800, 800), &response);
      } else if (classifier == "FACEMAP") {
        continue;  // Jumio never takes a facemap over the API
      } else {
        status = Upload(part, ::jumio::sandbox::testing::Jpeg(1600, 1000),
                        &response);
      }
      EXPECT_TRUE(status.ok()) << classifier << ": " << status.error_message();
    }
  }

  grpc::Status UploadPreparedData(const std::string& part,
                                  v1::UploadCredentialPartResponse* response) {
    auto context = Context();
    auto stream = credentials_->UploadCredentialPart(context.get(), response);
    v1::UploadCredentialPartRequest request;
    v1::UploadCredentialPartMetadata* metadata = request.mutable_metadata();
    metadata->set_name(part);
    v1::PreparedData* data = metadata->mutable_prepared_data();
    data->set_first_name("Jane");
    data->set_last_name("Tester");
    data->set_date_of_birth("1990-01-31");
    data->mutable_address()->set_line1("1 Main Street");
    data->mutable_address()->set_city("Vienna");
    data->mutable_address()->set_postal_code("1010");
    data->mutable_address()->set_country("AUT");
    stream->Write(request);
    stream->WritesDone();
    return stream->Finish();
  }

  void RunToDecision(const v1::AcquisitionWorkflowExecution& execution,
                     const std::string& label) {
    UploadAll(execution);
    grpc::Status finalized = Finalize(execution.name());
    ASSERT_TRUE(finalized.ok()) << label << ": " << finalized.error_message();
    ASSERT_EQ(WaitForStatus(execution.name(), "PROCESSED"), "PROCESSED")
        << label;
    v1::WorkflowExecution details = Details(execution.name());
    EXPECT_NE(details.decision().type(), v1::DECISION_TYPE_UNSPECIFIED)
        << label << ": " << details.DebugString();
  }
};

TEST_F(WorkflowsTest, EveryApiChannelWorkflowReachesATypedDecision) {
  for (int64_t key : {1, 2, 3, 6, 20, 32, 10005}) {
    SCOPED_TRACE(absl::StrCat("workflow ", key));
    v1::CreateAccountResponse created = Create(key, absl::StrCat("user-", key));
    ASSERT_FALSE(created.workflow_execution().name().empty());
    RunToDecision(created.workflow_execution(), absl::StrCat("workflow ", key));
  }
}

TEST_F(WorkflowsTest, Workflow5ReusesTheIdOnFileForSimilarity) {
  v1::CreateAccountResponse first = Create(2, "returning-user");
  RunToDecision(first.workflow_execution(), "workflow 2");
  std::string id_credential;
  for (const auto& credential : first.workflow_execution().credentials()) {
    if (credential.category() == v1::CREDENTIAL_CATEGORY_ID) {
      id_credential = credential.id();
    }
  }
  ASSERT_FALSE(id_credential.empty());

  v1::UpdateAccountRequest update;
  update.set_name(first.account());
  update.set_user_reference("returning-user");
  update.mutable_workflow_definition()->set_key(5);
  v1::CredentialDefinition* id =
      update.mutable_workflow_definition()->add_credentials();
  id->set_category(v1::CREDENTIAL_CATEGORY_ID);
  id->set_id(id_credential);
  update.mutable_workflow_definition()->add_credentials()->set_category(
      v1::CREDENTIAL_CATEGORY_SELFIE);
  v1::UpdateAccountResponse updated;
  grpc::Status status =
      accounts_->UpdateAccount(Context().get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.account_id(), first.account_id());
  EXPECT_NE(updated.workflow_execution().name(),
            first.workflow_execution().name());
  RunToDecision(updated.workflow_execution(), "workflow 5");

  v1::ListWorkflowExecutionsRequest list;
  list.set_parent(first.account());
  list.set_page_size(1);
  v1::ListWorkflowExecutionsResponse page;
  ASSERT_TRUE(
      workflows_->ListWorkflowExecutions(Context().get(), list, &page).ok());
  EXPECT_EQ(page.workflow_executions_size(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(
      workflows_->ListWorkflowExecutions(Context().get(), list, &page).ok());
  EXPECT_EQ(page.workflow_executions_size(), 1);
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(WorkflowsTest, UnfinishedWorkflowExpiresAndRefusesFinalize) {
  v1::CreateAccountResponse created = Create(2, "sandbox:token_expired");
  const std::string workflow = created.workflow_execution().name();
  EXPECT_EQ(WaitForStatus(workflow, "TOKEN_EXPIRED"), "TOKEN_EXPIRED");
  grpc::Status status = Finalize(workflow);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), grpc::StatusCode::INTERNAL)
      << status.error_message();
}

TEST_F(WorkflowsTest, DeletedWorkflowExecutionIsGone) {
  v1::CreateAccountResponse created = Create(2, "delete-me");
  const std::string workflow = created.workflow_execution().name();
  v1::DeleteWorkflowExecutionRequest remove;
  remove.set_name(workflow);
  v1::DeleteWorkflowExecutionResponse removed;
  ASSERT_TRUE(
      workflows_->DeleteWorkflowExecution(Context().get(), remove, &removed)
          .ok());
  grpc::Status again =
      workflows_->DeleteWorkflowExecution(Context().get(), remove, &removed);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  remove.set_allow_missing(true);
  EXPECT_TRUE(
      workflows_->DeleteWorkflowExecution(Context().get(), remove, &removed)
          .ok());
}

}  // namespace
}  // namespace jumio_gateway
