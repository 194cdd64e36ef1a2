#include "server/callbacks/parse.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "server/callbacks/callback_log.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;

std::string Sample() {
  std::ifstream in(
      "tests/server/callbacks/testdata/callback_kyx_processed.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseTest, JumioSampleIsRead) {
  const std::string body = Sample();
  ASSERT_FALSE(body.empty());
  ParsedCallback p =
      ParseCallback(body, v1::REGION_AMER_1, absl::FromUnixSeconds(1000));
  ASSERT_EQ(p.failure, ParseFailure::kNone) << p.error;
  const v1::Callback& cb = p.callback;
  EXPECT_TRUE(p.region_from_href);
  EXPECT_EQ(cb.region(), v1::REGION_APAC_1);
  const auto& we = cb.workflow_execution();
  EXPECT_EQ(we.id(), "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(we.account_id(), "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(we.account(),
            "regions/apac-1/accounts/11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(we.name(), we.account() +
                           "/workflowExecutions/"
                           "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(we.definition_key(), 3);
  EXPECT_EQ(we.status(), v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_EQ(cb.sent_time().seconds(), 1611240901);
  EXPECT_EQ(cb.receive_time().seconds(), 1000);
  EXPECT_TRUE(cb.raw_body().fields().contains("callbackSentAt"));
  EXPECT_EQ(DedupKey(cb), "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx|PROCESSED");
}

TEST(ParseTest, UnknownStatusAndDefaultRegion) {
  ParsedCallback p = ParseCallback(
      R"({"workflowExecution":{"id":"w1","status":"NEW_THING","href":"http://127.0.0.1:9/x"},
          "account":{"id":"a1"},"extra":{"k":1}})",
      v1::REGION_EMEA_1, absl::Now());
  ASSERT_EQ(p.failure, ParseFailure::kNone) << p.error;
  EXPECT_FALSE(p.region_from_href);
  EXPECT_EQ(p.callback.region(), v1::REGION_EMEA_1);
  EXPECT_EQ(p.callback.workflow_execution().status(),
            v1::WORKFLOW_STATUS_UNSPECIFIED);
  EXPECT_EQ(p.callback.workflow_execution().raw_status(), "NEW_THING");
  EXPECT_TRUE(p.callback.raw_body().fields().contains("extra"));
}

TEST(ParseTest, Rejections) {
  EXPECT_EQ(ParseCallback("{", v1::REGION_AMER_1, absl::Now()).failure,
            ParseFailure::kMalformedJson);
  EXPECT_EQ(ParseCallback("[]", v1::REGION_AMER_1, absl::Now()).failure,
            ParseFailure::kInvalidShape);
  EXPECT_EQ(
      ParseCallback(R"({"account":{"id":"a"}})", v1::REGION_AMER_1, absl::Now())
          .failure,
      ParseFailure::kInvalidShape);
  // An id that would break resource names.
  EXPECT_EQ(
      ParseCallback(
          R"({"workflowExecution":{"id":"../x","status":"PROCESSED"},"account":{"id":"a"}})",
          v1::REGION_AMER_1, absl::Now())
          .failure,
      ParseFailure::kInvalidShape);
}

}  // namespace
}  // namespace jumio_gateway::callbacks
