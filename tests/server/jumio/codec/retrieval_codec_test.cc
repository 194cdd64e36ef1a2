#include "server/jumio/codec/retrieval_codec.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/server/jumio/codec/codec_test_util.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::TimeUtil;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccount[] = "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
constexpr char kWorkflow[] = "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

TEST(FinalizeResponseTest, Sample) {
  absl::StatusOr<v1::FinalizeWorkflowExecutionResponse> r =
      ReadFinalizeResponse(ReadTestdata("finalize_response.json"), "apac-1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->account_id(), kAccount);
  EXPECT_EQ(r->id(), kWorkflow);
  EXPECT_EQ(r->account(), std::string("regions/apac-1/accounts/") + kAccount);
  EXPECT_EQ(r->name(), r->account() + "/workflowExecutions/" + kWorkflow);
  EXPECT_EQ(TimeUtil::ToString(r->response_time()), "2021-02-25T11:55:41.347Z");
  EXPECT_EQ(
      Reason(ReadFinalizeResponse(R"({"workflowExecution": "w"})", "apac-1")
                 .status()),
      "UPSTREAM_MALFORMED");
  EXPECT_TRUE(ReadFinalizeResponse("{}", "apac-1").ok());
}

TEST(StatusResponseTest, Sample) {
  absl::StatusOr<v1::WorkflowExecutionSummary> s = ReadWorkflowExecutionStatus(
      ReadTestdata("retrieval_status_processed.json"), "apac-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->id(), kWorkflow);
  EXPECT_EQ(s->account_id(), kAccount);
  EXPECT_EQ(s->name(), std::string("regions/apac-1/accounts/") + kAccount +
                           "/workflowExecutions/" + kWorkflow);
  EXPECT_EQ(s->account(), std::string("regions/apac-1/accounts/") + kAccount);
  EXPECT_EQ(s->definition_key(), 2);
  EXPECT_EQ(s->raw_definition_key(), "2");
  EXPECT_EQ(s->status(), v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_EQ(s->raw_status(), "PROCESSED");
  EXPECT_TRUE(
      absl::StartsWith(s->href(), "https://retrieval.apac-1.jumio.ai/"));
  EXPECT_TRUE(absl::EndsWith(s->account_href(), kAccount));
}

TEST(StatusResponseTest, UnknownStatusIsKeptRawAndStatusIsRequired) {
  absl::StatusOr<v1::WorkflowExecutionSummary> s = ReadWorkflowExecutionStatus(
      R"({"workflowExecution": {"id": "w", "status": "ARCHIVED",
                                "definitionKey": "custom"}})",
      "amer-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->status(), v1::WORKFLOW_STATUS_UNSPECIFIED);
  EXPECT_EQ(s->raw_status(), "ARCHIVED");
  EXPECT_EQ(s->definition_key(), 0);
  EXPECT_EQ(s->raw_definition_key(), "custom");
  // Without the account, no names can be built.
  EXPECT_TRUE(s->name().empty());
  for (const char* body :
       {R"({"workflowExecution": {"id": "w"}})", R"({"account": {"id": "a"}})",
        R"({"workflowExecution": {"status": 3}})",
        R"({"workflowExecution": {"status": "PROCESSED"}, "account": []})"}) {
    EXPECT_EQ(Reason(ReadWorkflowExecutionStatus(body, "amer-1").status()),
              "UPSTREAM_MALFORMED")
        << body;
  }
}

TEST(WorkflowDetailsTest, ScreeningOnPreparedDataSample) {
  absl::StatusOr<v1::WorkflowExecution> w = ReadWorkflowExecution(
      ReadTestdata(
          "retrieval_workflow_details_10010_screening_data_credential.json"),
      "amer-1", false);
  ASSERT_TRUE(w.ok()) << w.status();
  const std::string name =
      "regions/amer-1/accounts/11111111-1111-1111-1111-aaaaaaaaaaaa/"
      "workflowExecutions/22222222-2222-2222-2222-aaaaaaaaaaaa";
  EXPECT_EQ(w->name(), name);
  EXPECT_EQ(w->status(), v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_EQ(w->definition_key(), 10010);
  EXPECT_EQ(w->user_reference(), "USER_REFERENCE");
  EXPECT_EQ(w->customer_internal_reference(), "CUSTOMER_REFERENCE");
  EXPECT_EQ(TimeUtil::ToString(w->create_time()), "2022-02-22T16:35:44.303Z");
  EXPECT_EQ(TimeUtil::ToString(w->start_time()), "2022-02-22T16:37:01.597Z");
  EXPECT_EQ(TimeUtil::ToString(w->complete_time()), "2022-02-22T16:37:03.295Z");
  EXPECT_EQ(w->decision().type(), v1::DECISION_TYPE_PASSED);
  EXPECT_EQ(w->decision().label(), v1::DECISION_LABEL_PASSED);
  ASSERT_TRUE(w->decision().has_risk_score());
  EXPECT_EQ(w->decision().risk_score(), 0.0);
  ASSERT_EQ(w->credentials_size(), 1);
  EXPECT_EQ(w->credentials(0).category(), v1::CREDENTIAL_CATEGORY_DATA);
  ASSERT_EQ(w->credentials(0).parts_size(), 1);
  EXPECT_EQ(w->credentials(0).parts(0).classifier(),
            v1::CLASSIFIER_PREPARED_DATA);
  EXPECT_EQ(w->credentials(0).parts(0).name(),
            name +
                "/credentials/33333333-3333-3333-aaaaaaaaaaaa/parts/"
                "PREPARED_DATA");
  EXPECT_TRUE(absl::EndsWith(w->steps_href(), "/steps"));
  ASSERT_EQ(w->capabilities().watchlist_screening_size(), 1);
  const v1::WatchlistScreeningResult& screening =
      w->capabilities().watchlist_screening(0);
  EXPECT_EQ(screening.id(), "1a11111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_TRUE(screening.credentials().empty());
  EXPECT_EQ(screening.decision().label(), v1::DECISION_LABEL_OK);
  EXPECT_FALSE(screening.decision().has_risk_score());
  EXPECT_EQ(TimeUtil::ToString(screening.data().search_time()),
            "2022-02-22T16:37:02Z");
  EXPECT_EQ(screening.data().search_status(),
            v1::WATCHLIST_SEARCH_STATUS_SUCCESS);
  EXPECT_EQ(screening.data().raw_search_status(), "SUCCESS");
  EXPECT_EQ(screening.data().search_id(), "123456789");
  EXPECT_EQ(screening.data().search_reference(), "123456789-OxEvoqaR");
  EXPECT_TRUE(absl::StartsWith(screening.data().search_result_url(),
                               "https://app.complyadvantage.com/"));
  ASSERT_TRUE(screening.data().has_search_results());
  EXPECT_EQ(screening.data().search_results(), 0);
  EXPECT_FALSE(screening.has_unmodeled_data());
  EXPECT_FALSE(w->has_raw());
}

TEST(WorkflowDetailsTest, MultiCapabilitySampleAfterFixingIt) {
  absl::StatusOr<v1::WorkflowExecution> w = ReadWorkflowExecution(
      ReadTestdata("retrieval_workflow_details_multi_capability.json"),
      "amer-1", false);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->definition_key(), 10003);
  EXPECT_FALSE(w->has_decision());
  const v1::Capabilities& caps = w->capabilities();
  EXPECT_EQ(caps.extraction_size(), 1);
  EXPECT_EQ(caps.data_checks_size(), 1);
  EXPECT_EQ(caps.image_checks_size(), 1);
  EXPECT_EQ(caps.usability_size(), 3);
  EXPECT_EQ(caps.watchlist_screening_size(), 1);
  EXPECT_EQ(caps.address_validation_size(), 1);
  EXPECT_EQ(caps.proof_of_residency_size(), 1);
  EXPECT_EQ(caps.driving_license_verification_size(), 1);
  EXPECT_TRUE(caps.other().empty());

  const v1::ExtractionResult& extraction = caps.extraction(0);
  ASSERT_EQ(extraction.credentials_size(), 1);
  EXPECT_EQ(extraction.credentials(0).name(),
            w->name() + "/credentials/33333333-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(extraction.credentials(0).category(), v1::CREDENTIAL_CATEGORY_ID);
  const v1::ExtractionData& data = extraction.data();
  EXPECT_EQ(data.type(), v1::ID_TYPE_PASSPORT);
  EXPECT_EQ(data.sub_type(), v1::ID_SUB_TYPE_E_PASSPORT);
  EXPECT_EQ(data.raw_sub_type(), "E_PASSPORT");
  EXPECT_EQ(data.first_name(), "JANE");
  EXPECT_EQ(data.last_name(), "DOE");
  EXPECT_EQ(data.date_of_birth(), "1990-01-01");
  EXPECT_EQ(data.expiry_date(), "2023-12-01");
  EXPECT_EQ(data.issuing_date(), "2014-01-01");
  EXPECT_EQ(data.document_number(), "xxxxxxxx");
  EXPECT_EQ(data.personal_number(), "<<<<<<<<<<<<<<");
  EXPECT_EQ(data.address().country(), "AUT");
  EXPECT_EQ(data.address().formatted_address(), "AUT");
  EXPECT_FALSE(extraction.has_unmodeled_data());

  EXPECT_EQ(caps.usability(1).credentials(0).category(),
            v1::CREDENTIAL_CATEGORY_SELFIE);
  EXPECT_EQ(caps.usability(2).credentials(0).category(),
            v1::CREDENTIAL_CATEGORY_FACEMAP);
  EXPECT_EQ(caps.driving_license_verification(0).id(),
            "1711111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(caps.address_validation(0).decision().type(),
            v1::DECISION_TYPE_PASSED);
}

TEST(WorkflowDetailsTest, BrokenOriginalIsMalformedWithoutPersonalData) {
  absl::StatusOr<v1::WorkflowExecution> w = ReadWorkflowExecution(
      ReadTestdata("broken/retrieval_workflow_details_multi_capability.json"),
      "amer-1", false);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Reason(w.status()), "UPSTREAM_MALFORMED");
  EXPECT_THAT(std::string(w.status().message()), Not(HasSubstr("JANE")));
}

constexpr char kTolerantDetails[] = R"({
  "workflow": {"id": "w-1", "status": "PROCESSED", "definitionKey": 3},
  "account": {"id": "a-1"},
  "createdAt": "not a time",
  "decision": {"type": "ESCALATED", "details": {"label": "BRAND_NEW_LABEL"},
               "risk": {"score": "42.5"}},
  "credentials": [{"id": "c-1", "categrory": "ID",
                   "parts": {"classifier": "FRONT", "href": "https://x/FRONT"}},
                  "junk"],
  "capabilities": {
    "liveness": [{"id": "l-1",
                  "credentials": {"id": "c-2", "categrory": "FACEMAP"},
                  "decision": {"type": "PASSED", "details": {"label": "OK"}},
                  "validFaceMapForAuthentication": "https://x/facemap",
                  "data": {"type": "IPROOV_PREMIUM", "predictedAge": 31,
                           "ageConfidenceRange": "25-34",
                           "spoofScore": 0.02}}],
    "similarity": [{"id": "s-1", "data": {"similarity": "MATCH"}}],
    "authentication": [{"id": "au-1", "data": {"type": "FUTURE_TECH"}}],
    "imageChecks": [{"id": "i-1", "data": {"faceSearchFindings": {
        "status": "DONE", "findings": ["w-0", "w-00"], "score": 7}}}],
    "extraction": [{"id": "e-1", "data": {
        "type": "ID_CARD", "subType": "UNKOWN", "gender": "X",
        "address": "1 Main St", "currentAge": "34",
        "dlCategories": ["B", {"category": "A", "validUntil": "2030-01-01"}],
        "expiryDateParts": {"year": "2030", "month": "01"},
        "favouriteColour": "blue"}}],
    "usability": [{"id": "u-1", "data": {"quality": 0.9}}],
    "phoneVerification": [{"id": "p-1", "decision": {"type": "PASSED"}}],
    "emptyNewCapability": []
  }
})";

TEST(WorkflowDetailsTest, ToleratesTyposUnknownsAndOtherShapes) {
  absl::StatusOr<v1::WorkflowExecution> w =
      ReadWorkflowExecution(kTolerantDetails, "emea-1", true);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->definition_key(), 3);
  EXPECT_EQ(w->raw_definition_key(), "3");
  EXPECT_FALSE(w->has_create_time());
  EXPECT_EQ(w->decision().type(), v1::DECISION_TYPE_UNSPECIFIED);
  EXPECT_EQ(w->decision().raw_type(), "ESCALATED");
  EXPECT_EQ(w->decision().label(), v1::DECISION_LABEL_UNSPECIFIED);
  EXPECT_EQ(w->decision().raw_label(), "BRAND_NEW_LABEL");
  EXPECT_EQ(w->decision().risk_score(), 42.5);
  ASSERT_EQ(w->credentials_size(), 1);
  EXPECT_EQ(w->credentials(0).category(), v1::CREDENTIAL_CATEGORY_ID);
  ASSERT_EQ(w->credentials(0).parts_size(), 1);
  EXPECT_EQ(w->credentials(0).parts(0).name(),
            "regions/emea-1/accounts/a-1/workflowExecutions/w-1/credentials/"
            "c-1/parts/FRONT");

  const v1::Capabilities& caps = w->capabilities();
  ASSERT_EQ(caps.liveness_size(), 1);
  const v1::LivenessResult& liveness = caps.liveness(0);
  ASSERT_EQ(liveness.credentials_size(), 1);
  EXPECT_EQ(liveness.credentials(0).category(),
            v1::CREDENTIAL_CATEGORY_FACEMAP);
  EXPECT_EQ(liveness.credentials(0).raw_category(), "FACEMAP");
  EXPECT_EQ(liveness.valid_face_map_for_authentication(), "https://x/facemap");
  EXPECT_EQ(liveness.data().type(), v1::FACEMAP_TYPE_IPROOV_PREMIUM);
  EXPECT_EQ(liveness.data().predicted_age(), 31);
  EXPECT_EQ(liveness.data().age_confidence_range(), "25-34");
  EXPECT_EQ(liveness.unmodeled_data().fields().at("spoofScore").number_value(),
            0.02);
  EXPECT_EQ(caps.similarity(0).data().similarity(),
            v1::SIMILARITY_OUTCOME_MATCH);
  EXPECT_EQ(caps.authentication(0).data().type(), v1::FACEMAP_TYPE_UNSPECIFIED);
  EXPECT_EQ(caps.authentication(0).data().raw_type(), "FUTURE_TECH");

  const v1::FaceSearchFindings& findings =
      caps.image_checks(0).data().face_search_findings();
  EXPECT_EQ(findings.status(), v1::FACE_SEARCH_STATUS_DONE);
  EXPECT_THAT(findings.findings(), ElementsAre("w-0", "w-00"));
  // A nested object with an unknown member is also kept whole.
  EXPECT_TRUE(caps.image_checks(0).unmodeled_data().fields().contains(
      "faceSearchFindings"));

  const v1::ExtractionData& data = caps.extraction(0).data();
  EXPECT_EQ(data.type(), v1::ID_TYPE_ID_CARD);
  EXPECT_EQ(data.sub_type(), v1::ID_SUB_TYPE_UNKNOWN);
  EXPECT_EQ(data.raw_sub_type(), "UNKOWN");
  EXPECT_EQ(data.gender(), v1::GENDER_X);
  EXPECT_EQ(data.address().formatted_address(), "1 Main St");
  EXPECT_EQ(data.current_age(), 34);
  ASSERT_EQ(data.dl_categories_size(), 2);
  EXPECT_EQ(data.dl_categories(0).string_value(), "B");
  EXPECT_EQ(data.dl_categories(1)
                .struct_value()
                .fields()
                .at("category")
                .string_value(),
            "A");
  EXPECT_EQ(data.expiry_date_parts().year(), "2030");
  EXPECT_EQ(data.expiry_date_parts().day(), "");
  EXPECT_EQ(caps.extraction(0)
                .unmodeled_data()
                .fields()
                .at("favouriteColour")
                .string_value(),
            "blue");
  // Usability models no data: all of it is unmodeled.
  EXPECT_EQ(
      caps.usability(0).unmodeled_data().fields().at("quality").number_value(),
      0.9);

  ASSERT_EQ(caps.other().size(), 2u);
  ASSERT_EQ(caps.other().at("phoneVerification").results_size(), 1);
  EXPECT_EQ(caps.other()
                .at("phoneVerification")
                .results(0)
                .fields()
                .at("id")
                .string_value(),
            "p-1");
  EXPECT_EQ(caps.other().at("emptyNewCapability").results_size(), 0);

  ASSERT_TRUE(w->has_raw());
  EXPECT_TRUE(w->raw().fields().contains("capabilities"));
}

// The API promises that nothing Jumio returns is dropped: a top-level member
// the reader does not model is kept verbatim, in the BASIC view too.
TEST(WorkflowDetailsTest, UnknownTopLevelMembersAreKept) {
  absl::StatusOr<v1::WorkflowExecution> w = ReadWorkflowExecution(
      R"({"workflow":{"id":"w-1","status":"PROCESSED"},"account":{"id":"a-1"},
          "riskSignals":{"level":"LOW","count":2},"tags":["a","b"],
          "createdAt":"2022-02-22T16:35:44.303Z"})",
      "amer-1", /*include_raw=*/false);
  ASSERT_TRUE(w.ok()) << w.status();
  const auto& fields = w->unmodeled_data().fields();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields.at("riskSignals")
                .struct_value()
                .fields()
                .at("level")
                .string_value(),
            "LOW");
  EXPECT_EQ(fields.at("tags").list_value().values_size(), 2);
  // Modeled members stay in their typed fields only.
  EXPECT_FALSE(fields.contains("workflow"));
  EXPECT_FALSE(fields.contains("createdAt"));
  EXPECT_FALSE(w->has_raw());
}

TEST(WorkflowDetailsTest, SamplesHaveNoUnmodeledTopLevelMembers) {
  for (const char* sample :
       {"retrieval_workflow_details_10010_screening_data_credential.json",
        "retrieval_workflow_details_multi_capability.json"}) {
    absl::StatusOr<v1::WorkflowExecution> w =
        ReadWorkflowExecution(ReadTestdata(sample), "amer-1", false);
    ASSERT_TRUE(w.ok()) << sample << ": " << w.status();
    EXPECT_EQ(w->unmodeled_data().fields_size(), 0) << sample;
  }
}

TEST(WorkflowDetailsTest, MissingOptionalsAndMalformedCases) {
  absl::StatusOr<v1::WorkflowExecution> minimal =
      ReadWorkflowExecution(R"({"workflow": {}})", "amer-1", false);
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  EXPECT_TRUE(minimal->name().empty());
  EXPECT_FALSE(minimal->has_capabilities());
  for (const char* body :
       {"{", "{}", R"({"workflow": "w"})", R"({"workflow": {"id": 1}})",
        R"({"workflow": {}, "account": {"id": false}})"}) {
    EXPECT_EQ(Reason(ReadWorkflowExecution(body, "amer-1", false).status()),
              "UPSTREAM_MALFORMED")
        << body;
  }
  // Nesting deeper than the limit is refused rather than recursed into.
  std::string deep = R"({"workflow": {}, "capabilities": {"x": [{"data": )";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}]}}";
  EXPECT_EQ(Reason(ReadWorkflowExecution(deep, "amer-1", false).status()),
            "UPSTREAM_MALFORMED");
}

TEST(WorkflowStepsTest, SampleAfterFixingIt) {
  absl::StatusOr<std::vector<v1::WorkflowStep>> steps =
      ReadWorkflowSteps(ReadTestdata("retrieval_workflow_steps.json"));
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ((*steps)[0].step_name(), v1::WORKFLOW_STEP_NAME_ID_IV);
  EXPECT_EQ((*steps)[0].capability_ids_size(), 4);
  EXPECT_EQ((*steps)[0].decision().label(), v1::DECISION_LABEL_PASSED);
  EXPECT_EQ((*steps)[1].step_name(), v1::WORKFLOW_STEP_NAME_SCREENING);
  EXPECT_EQ((*steps)[2].step_name(),
            v1::WORKFLOW_STEP_NAME_ADDRESS_VERIFICATION);
  EXPECT_THAT((*steps)[2].capability_ids(),
              ElementsAre("1511111-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                          "1611111-xxxx-xxxx-xxxx-xxxxxxxxxxxx"));
  EXPECT_EQ((*steps)[3].step_name(), v1::WORKFLOW_STEP_NAME_DL_VERIFICATION);
  EXPECT_EQ((*steps)[3].id(), "44411111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
}

TEST(WorkflowStepsTest, UnknownStepRiskScoreAndMalformed) {
  absl::StatusOr<std::vector<v1::WorkflowStep>> steps = ReadWorkflowSteps(
      R"({"steps": [{"id": "s", "name": "VIDEO_CALL",
                     "decision": {"type": "WARNING", "risk": {"score": 55.25}}},
                    null]})");
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].step_name(), v1::WORKFLOW_STEP_NAME_UNSPECIFIED);
  EXPECT_EQ((*steps)[0].raw_step_name(), "VIDEO_CALL");
  EXPECT_EQ((*steps)[0].decision().risk_score(), 55.25);
  EXPECT_EQ(Reason(ReadWorkflowSteps("{}").status()), "UPSTREAM_MALFORMED");
  EXPECT_EQ(Reason(ReadWorkflowSteps(R"({"steps": {}})").status()),
            "UPSTREAM_MALFORMED");
  EXPECT_EQ(Reason(ReadWorkflowSteps(
                       ReadTestdata("broken/retrieval_workflow_steps.json"))
                       .status()),
            "UPSTREAM_MALFORMED");
}

}  // namespace
}  // namespace jumio_gateway::codec
