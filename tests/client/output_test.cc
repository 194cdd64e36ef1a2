// The text jumioctl prints for people: names Jumio sent that this API does
// not know must still show, and list output must say when it is empty and
// how to get the next page.
#include "client/output.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace jumio_gateway::client {
namespace {

namespace v1 = ::jumio::gateway::v1;

TEST(OutputTest, DecisionShowsTypeLabelAndRiskScore) {
  v1::Decision decision;
  decision.set_type(v1::DECISION_TYPE_REJECTED);
  decision.set_raw_label("SOME_NEW_LABEL");
  decision.set_risk_score(90);
  EXPECT_EQ(DecisionText(decision), "REJECTED (SOME_NEW_LABEL), risk score 90");
  EXPECT_EQ(DecisionText(v1::Decision()), "(none)");
}

TEST(OutputTest, StatusFallsBackToJumiosTextThenUnspecified) {
  EXPECT_EQ(StatusText(v1::WORKFLOW_STATUS_PROCESSED, "PROCESSED"),
            "PROCESSED");
  EXPECT_EQ(StatusText(v1::WORKFLOW_STATUS_UNSPECIFIED, "PAUSED"), "PAUSED");
  EXPECT_EQ(StatusText(v1::WORKFLOW_STATUS_UNSPECIFIED, ""), "UNSPECIFIED");
}

TEST(OutputTest, CapabilityLinesNameTheCredentialsTheyAreAbout) {
  v1::GetWorkflowExecutionResponse response;
  v1::WorkflowExecution* w = response.mutable_workflow_execution();
  w->set_name("regions/emea-1/accounts/a/workflowExecutions/w");
  w->set_status(v1::WORKFLOW_STATUS_PROCESSED);
  v1::UsabilityResult* usability = w->mutable_capabilities()->add_usability();
  usability->mutable_decision()->set_type(v1::DECISION_TYPE_PASSED);
  usability->add_credentials()->set_category(v1::CREDENTIAL_CATEGORY_ID);
  usability->add_credentials()->set_raw_category("NEW_KIND");
  const std::string text = WorkflowExecutionText(response);
  EXPECT_TRUE(absl::StrContains(
      text,
      "workflow execution: regions/emea-1/accounts/a/workflowExecutions/w\n"
      "status:             PROCESSED\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "capabilities:\n  usability                     PASSED  "
      "[ID,NEW_KIND]\n"))
      << text;
}

TEST(OutputTest, ListsSayWhenEmptyAndHowToGetTheNextPage) {
  v1::ListWorkflowExecutionsResponse list;
  EXPECT_EQ(WorkflowListText(list), "no workflow executions\n");
  v1::WorkflowExecutionSummary* s = list.add_workflow_executions();
  s->set_name("W");
  s->set_status(v1::WORKFLOW_STATUS_INITIATED);
  s->set_definition_key(3);
  list.set_next_page_token("abc");
  EXPECT_EQ(WorkflowListText(list),
            "W  INITIATED  (workflow 3)\nnext page: --page_token=abc\n");
  EXPECT_EQ(CallbacksText(v1::ListCallbacksResponse()), "no callbacks\n");
  EXPECT_EQ(StepsText(v1::ListWorkflowExecutionStepsResponse()), "no steps\n");
}

TEST(OutputTest, CallbackLinesNameReconciledEvents) {
  v1::ListCallbacksResponse list;
  v1::Callback* jumio = list.add_callbacks();
  jumio->set_cursor("1");
  jumio->set_region(v1::REGION_EMEA_1);
  jumio->mutable_workflow_execution()->set_name("W1");
  jumio->mutable_workflow_execution()->set_status(
      v1::WORKFLOW_STATUS_PROCESSED);
  jumio->set_source(v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  v1::Callback* reconciled = list.add_callbacks();
  *reconciled = *jumio;
  reconciled->set_cursor("2");
  reconciled->mutable_workflow_execution()->set_name("W2");
  reconciled->set_source(v1::CALLBACK_SOURCE_RECONCILED);
  EXPECT_EQ(
      CallbacksText(list),
      "1  emea-1  W1  PROCESSED\n2  emea-1  W2  PROCESSED  (reconciled)\n");
}

// DeleteAccount's own event has no workflow execution: the line names the
// account instead of leaving the column empty.
TEST(OutputTest, CallbackLinesNameTheAccountOfAnAccountsDeletedEvent) {
  v1::ListCallbacksResponse list;
  v1::Callback* deleted = list.add_callbacks();
  deleted->set_cursor("3");
  deleted->set_region(v1::REGION_EMEA_1);
  deleted->mutable_workflow_execution()->set_account(
      "regions/emea-1/accounts/A");
  deleted->mutable_workflow_execution()->set_raw_status("DELETED");
  deleted->set_source(v1::CALLBACK_SOURCE_DELETED);
  EXPECT_EQ(CallbacksText(list),
            "3  emea-1  regions/emea-1/accounts/A  DELETED\n");
}

TEST(OutputTest, PlatformStatusUsesRegionNamesAsTyped) {
  v1::GetPlatformStatusResponse response;
  v1::RegionPlatformStatus* s = response.add_statuses();
  s->set_region(v1::REGION_EMEA_1);
  s->set_status(v1::HEALTH_STATUS_UP);
  v1::RegionPlatformStatus* unknown = response.add_statuses();
  unknown->set_region(v1::REGION_APAC_1);
  EXPECT_EQ(PlatformStatusText(response), "emea-1  UP\napac-1  UNKNOWN\n");
}

TEST(OutputTest, PlatformStatusShowsBreakersThatAreNotClosed) {
  v1::GetPlatformStatusResponse response;
  v1::RegionPlatformStatus* s = response.add_statuses();
  s->set_region(v1::REGION_AMER_1);
  s->set_status(v1::HEALTH_STATUS_UP);
  v1::UpstreamCircuit* closed = s->add_circuits();
  closed->set_host("api");
  closed->set_state(v1::CIRCUIT_STATE_CLOSED);
  v1::UpstreamCircuit* open = s->add_circuits();
  open->set_host("retrieval");
  open->set_state(v1::CIRCUIT_STATE_OPEN);
  EXPECT_EQ(PlatformStatusText(response),
            "amer-1  UP  circuit retrieval=OPEN\n");
}

TEST(OutputTest, CallbackLinesSpellRegionsAsResourceNamesDo) {
  v1::ListCallbacksResponse response;
  v1::Callback* c = response.add_callbacks();
  c->set_cursor("7");
  c->set_region(v1::REGION_AMER_1);
  c->mutable_workflow_execution()->set_name("W");
  c->mutable_workflow_execution()->set_status(v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_EQ(CallbacksText(response), "7  amer-1  W  PROCESSED\n");
}

}  // namespace
}  // namespace jumio_gateway::client
