// JumioEnricher fetches a callback's workflow details through the same JumioApi
// operation as GetWorkflowExecution, bounded by the upstream timeout.
#include "server/api/callback_integration.h"

#include <gtest/gtest.h>

#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_jumio_api.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

v1::Callback ProcessedCallback() {
  v1::Callback callback;
  callback.mutable_workflow_execution()->set_name(
      "regions/emea-1/accounts/a-1/workflowExecutions/w-1");
  return callback;
}

TEST(JumioEnricherTest, FetchesTheDetailsAndKeepsOnlyTheDecisions) {
  testing::FakeJumioApi fake;
  v1::WorkflowExecution details;
  details.mutable_decision()->set_type(v1::DECISION_TYPE_PASSED);
  details.mutable_complete_time()->set_seconds(1700000000);
  fake.Script<v1::WorkflowExecution>("GetWorkflowExecutionDetails", details);
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  const testing::FakeClock clock(now);
  JumioEnricher enricher(&fake, absl::Seconds(7), clock);

  absl::StatusOr<v1::CallbackEnrichment> enrichment =
      enricher.Enrich(ProcessedCallback());
  ASSERT_TRUE(enrichment.ok()) << enrichment.status();
  EXPECT_EQ(enrichment->decision().type(), v1::DECISION_TYPE_PASSED);
  EXPECT_EQ(enrichment->complete_time().seconds(), 1700000000);
  ASSERT_EQ(fake.CallCount(), 1u);
  const testing::FakeJumioApi::Call call = fake.Calls()[0];
  EXPECT_EQ(call.region, "emea-1");
  EXPECT_EQ(call.account, "a-1");
  EXPECT_EQ(call.workflow_execution, "w-1");
  // Never the personal data of the FULL view.
  EXPECT_FALSE(call.include_raw);
  EXPECT_EQ(call.options.deadline, now + absl::Seconds(7));
}

TEST(JumioEnricherTest, AnUpstreamErrorIsReturnedAndABadNameSendsNothing) {
  testing::FakeJumioApi fake;
  fake.Script<v1::WorkflowExecution>("GetWorkflowExecutionDetails",
                                     absl::UnavailableError("Jumio down"));
  JumioEnricher enricher(&fake, absl::Seconds(7), core::SystemClock());
  EXPECT_EQ(enricher.Enrich(ProcessedCallback()).status().code(),
            absl::StatusCode::kUnavailable);

  v1::Callback unnamed;
  EXPECT_EQ(enricher.Enrich(unnamed).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fake.CallCount(), 1u);
}

}  // namespace
}  // namespace jumio_gateway::api
