#include "server/jumio/codec/error_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/jumio/codec/codec_test_util.h"
#include "tests/testing/small_stack.h"

namespace jumio_gateway::codec {
namespace {

using ::jumio_gateway::codec::testing::ReadTestdata;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(UpstreamErrorTest, RateLimitSample) {
  UpstreamErrorBody e =
      ReadUpstreamError(ReadTestdata("error_429_rate_limit.json"));
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.message, "Request limit exceeded");
  EXPECT_EQ(e.field, "");
}

TEST(UpstreamErrorTest, CommonBadRequestShapes) {
  UpstreamErrorBody a = ReadUpstreamError(
      R"({"message": "workflowDefinition.key is invalid", "field": "workflowDefinition.key", "code": "INVALID_KEY"})");
  EXPECT_EQ(a.message, "workflowDefinition.key is invalid");
  EXPECT_EQ(a.field, "workflowDefinition.key");
  EXPECT_EQ(a.code, "INVALID_KEY");

  UpstreamErrorBody b = ReadUpstreamError(
      R"({"errors": [{"field": "userConsent.userLocation.country", "message": "size must be 3"}]})");
  EXPECT_EQ(b.field, "userConsent.userLocation.country");
  EXPECT_EQ(b.message, "size must be 3");

  UpstreamErrorBody c = ReadUpstreamError(
      R"({"error": {"message": "Bad request", "code": 4001}})");
  EXPECT_EQ(c.message, "Bad request");

  UpstreamErrorBody d = ReadUpstreamError(
      R"({"error": "invalid_client", "error_description": "Client authentication failed"})");
  EXPECT_EQ(d.message, "Client authentication failed");

  UpstreamErrorBody e = ReadUpstreamError(
      R"({"title": "Bad Request", "status": 400, "errorCode": 9100})");
  EXPECT_EQ(e.message, "Bad Request");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "9100");
}

TEST(UpstreamErrorTest, NeverPassesOnValuesOrUnsafeFieldNames) {
  UpstreamErrorBody e = ReadUpstreamError(
      R"({"message": "Value 'Jane Doe' of userReference is PII; contact jane@example.com or +43 660 1234567, token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
          "field": "userReference<script>"})");
  EXPECT_THAT(e.message, Not(HasSubstr("Jane")));
  EXPECT_THAT(e.message, Not(HasSubstr("example.com")));
  EXPECT_THAT(e.message, Not(HasSubstr("1234567")));
  EXPECT_THAT(e.message, Not(HasSubstr("eyJ")));
  EXPECT_THAT(e.message, HasSubstr("of userReference is PII"));
  EXPECT_EQ(e.field, "");
}

TEST(UpstreamErrorTest, SanitizerTruncatesAndDropsControlCharacters) {
  std::string many_words;
  for (int i = 0; i < 100; ++i) many_words += "word ";
  EXPECT_EQ(SanitizeUpstreamText(many_words).size(), 200u);
  EXPECT_EQ(SanitizeUpstreamText("line1\nline2\x01"), "line1 line2");
  EXPECT_EQ(SanitizeUpstreamText("unterminated \"secret"),
            "unterminated <redacted>");
}

TEST(UpstreamErrorTest, NonJsonBodiesYieldNothing) {
  for (const char* body : {"", "Bad Request", "<html>400</html>", "[1]"}) {
    UpstreamErrorBody e = ReadUpstreamError(body);
    EXPECT_EQ(e.message, "") << body;
    EXPECT_EQ(e.field, "");
    EXPECT_EQ(e.status, 0);
  }
}

TEST(UpstreamErrorTest, DeeplyNestedBodiesYieldNothingNotACrash) {
  UpstreamErrorBody e;
  e.status = -1;
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    e = ReadUpstreamError(R"({"error":)" + std::string(100000, '['));
  }));
  EXPECT_EQ(e.message, "");
  EXPECT_EQ(e.status, 0);
}

}  // namespace
}  // namespace jumio_gateway::codec
