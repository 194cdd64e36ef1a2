#include "server/jumio/codec/callback_codec.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/jumio/codec/retrieval_codec.h"
#include "tests/server/jumio/codec/codec_test_util.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::TimeUtil;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;

TEST(CallbackTest, KyxProcessedSample) {
  // The receiver's default region differs: the URLs say apac-1.
  absl::StatusOr<v1::Callback> c = ReadCallback(
      ReadTestdata("callback_kyx_processed.json"), v1::REGION_AMER_1);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->region(), v1::REGION_APAC_1);
  EXPECT_EQ(TimeUtil::ToString(c->sent_time()), "2021-01-21T14:55:01.917Z");
  EXPECT_EQ(c->user_reference(), "");
  const v1::WorkflowExecutionSummary& w = c->workflow_execution();
  EXPECT_EQ(w.id(), "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(w.account_id(), "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(w.account(),
            "regions/apac-1/accounts/11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(w.name(), w.account() +
                          "/workflowExecutions/"
                          "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(w.definition_key(), 3);
  EXPECT_EQ(w.status(), v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_TRUE(absl::StartsWith(w.href(), "https://retrieval.apac-1.jumio.ai/"));
  EXPECT_TRUE(
      absl::StartsWith(w.account_href(), "https://retrieval.apac-1.jumio.ai/"));
  EXPECT_EQ(c->raw_body().fields().at("callbackSentAt").string_value(),
            "2021-01-21T14:55:01.917Z");
  EXPECT_TRUE(c->cursor().empty());
  EXPECT_FALSE(c->has_receive_time());
}

TEST(CallbackTest, LenientAboutWhatIsMissingAndKeepsUnknownMembers) {
  absl::StatusOr<v1::Callback> c = ReadCallback(
      R"({"userReference": "u-7", "workflowExecution": {"id": "w-1",
          "status": "TOKEN_EXPIRED", "definitionKey": "10013"},
          "futureMember": {"a": 1}})",
      v1::REGION_EMEA_1);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->region(), v1::REGION_EMEA_1);
  EXPECT_FALSE(c->has_sent_time());
  EXPECT_EQ(c->user_reference(), "u-7");
  EXPECT_EQ(c->workflow_execution().status(),
            v1::WORKFLOW_STATUS_TOKEN_EXPIRED);
  EXPECT_EQ(c->workflow_execution().definition_key(), 10013);
  // No account id, so no names.
  EXPECT_TRUE(c->workflow_execution().name().empty());
  EXPECT_TRUE(c->raw_body().fields().contains("futureMember"));

  absl::StatusOr<v1::Callback> empty = ReadCallback("{}", v1::REGION_APAC_1);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->region(), v1::REGION_APAC_1);
  EXPECT_FALSE(empty->has_workflow_execution());
}

TEST(CallbackTest, MalformedCases) {
  for (const char* body :
       {"", "id=1", "[]", R"({"workflowExecution": "w"})",
        R"({"workflowExecution": {"id": 12}})", R"({"account": {"id": []}})"}) {
    absl::StatusOr<v1::Callback> c = ReadCallback(body, v1::REGION_AMER_1);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInternal) << body;
    EXPECT_EQ(Reason(c.status()), "UPSTREAM_MALFORMED") << body;
  }
}

TEST(CallbackEnrichmentTest, CarriesDecisionsButNoData) {
  absl::StatusOr<v1::WorkflowExecution> details = ReadWorkflowExecution(
      R"({"workflow": {"id": "w-1"}, "account": {"id": "a-1"},
          "completedAt": "2021-03-12T15:49:33.421Z",
          "decision": {"type": "PASSED", "details": {"label": "PASSED"},
                       "risk": {"score": 12.5}},
          "capabilities": {
            "extraction": [{"id": "e-1",
                            "credentials": [{"id": "c-1", "category": "ID"}],
                            "decision": {"type": "PASSED",
                                         "details": {"label": "OK"}},
                            "data": {"firstName": "JANE"}}],
            "imageChecks": [{"id": "i-1", "decision": {"type": "WARNING",
                             "details": {"label": "REPEATED_FACE"}}}],
            "phoneVerification": [{"id": "p-1", "decision": {"type": "REJECTED",
                                   "details": {"label": "NEW_LABEL"}},
                                   "data": {"phone": "+1"}}]}})",
      "amer-1", false);
  ASSERT_TRUE(details.ok()) << details.status();
  v1::CallbackEnrichment e = BuildCallbackEnrichment(*details);
  EXPECT_EQ(e.decision().risk_score(), 12.5);
  EXPECT_EQ(TimeUtil::ToString(e.complete_time()), "2021-03-12T15:49:33.421Z");
  ASSERT_EQ(e.capability_decisions_size(), 3);
  // Typed capabilities come in Capabilities field order.
  EXPECT_EQ(e.capability_decisions(0).capability(),
            v1::CAPABILITY_NAME_IMAGE_CHECKS);
  EXPECT_EQ(e.capability_decisions(0).raw_capability(), "imageChecks");
  EXPECT_EQ(e.capability_decisions(0).decision().label(),
            v1::DECISION_LABEL_REPEATED_FACE);
  EXPECT_EQ(e.capability_decisions(1).capability(),
            v1::CAPABILITY_NAME_EXTRACTION);
  EXPECT_EQ(e.capability_decisions(1).id(), "e-1");
  ASSERT_EQ(e.capability_decisions(1).credentials_size(), 1);
  EXPECT_EQ(
      e.capability_decisions(1).credentials(0).name(),
      "regions/amer-1/accounts/a-1/workflowExecutions/w-1/credentials/c-1");
  EXPECT_EQ(e.capability_decisions(2).capability(),
            v1::CAPABILITY_NAME_UNSPECIFIED);
  EXPECT_EQ(e.capability_decisions(2).raw_capability(), "phoneVerification");
  EXPECT_EQ(e.capability_decisions(2).decision().type(),
            v1::DECISION_TYPE_REJECTED);
  EXPECT_EQ(e.capability_decisions(2).decision().raw_label(), "NEW_LABEL");
  EXPECT_EQ(e.DebugString().find("JANE"), std::string::npos);
  EXPECT_EQ(e.DebugString().find("+1"), std::string::npos);
}

}  // namespace
}  // namespace jumio_gateway::codec
