#include "server/callbacks/parse.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "server/callbacks/callback_log.h"
#include "tests/testing/small_stack.h"

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

// A valid callback whose "extra" member is `extra` (raw JSON).
std::string WithExtra(const std::string& extra) {
  return R"({"workflowExecution":{"id":"w1","status":"PROCESSED"},)"
         R"("account":{"id":"a1"},"extra":)" +
         extra + "}";
}

std::string Nested(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += R"({"k":)";
  out += "1";
  for (int i = 0; i < depth; ++i) out += "}";
  return out;
}

ParsedCallback Parse(absl::string_view body) {
  return ParseCallback(body, v1::REGION_AMER_1, absl::FromUnixSeconds(1000));
}

TEST(ParseTest, HugeNestingIsMalformedNotACrashOnSmallStack) {
  ParsedCallback p;
  ASSERT_TRUE(
      testing::RunOnSmallStack([&] { p = Parse(std::string(64 << 10, '[')); }));
  EXPECT_EQ(p.failure, ParseFailure::kMalformedJson);
  EXPECT_NE(p.error.find("nesting deeper than 64"), std::string::npos)
      << p.error;
  ASSERT_TRUE(testing::RunOnSmallStack(
      [&] { p = Parse(WithExtra(std::string(100000, '['))); }));
  EXPECT_EQ(p.failure, ParseFailure::kMalformedJson);
}

TEST(ParseTest, InvalidUtf8IsUnstorable) {
  ParsedCallback p = Parse(R"({"workflowExecution":{"id":"w1",)"
                           R"("status":"PROCESSED"},"account":{"id":"a1"},)"
                           "\"userReference\":\"caf\xc3\"}");
  EXPECT_EQ(p.failure, ParseFailure::kUnstorable);
  EXPECT_EQ(p.error, "body is not valid UTF-8");
  // Anywhere in the body, also in members the gateway does not model.
  EXPECT_EQ(Parse(WithExtra("\"\xff\"")).failure, ParseFailure::kUnstorable);
  EXPECT_EQ(Parse(WithExtra("{\"\xed\xa0\x80\":1}")).failure,
            ParseFailure::kUnstorable);
}

TEST(ParseTest, EscapedLoneSurrogateIsRefused) {
  // Decodes to invalid UTF-8: the parser refuses it.
  EXPECT_EQ(Parse(WithExtra(R"("\udc00")")).failure,
            ParseFailure::kMalformedJson);
}

TEST(ParseTest, DuplicateMembersAreUnstorable) {
  ParsedCallback p = Parse(
      R"({"workflowExecution":{"id":"w1","status":"PROCESSED","status":"X"},)"
      R"("account":{"id":"a1"}})");
  EXPECT_EQ(p.failure, ParseFailure::kUnstorable);
  EXPECT_EQ(p.error, "duplicate member names");
  EXPECT_EQ(Parse(WithExtra(R"([{"a":1,"a":2}])")).failure,
            ParseFailure::kUnstorable);
  EXPECT_EQ(Parse(WithExtra(R"([{"a":1},{"a":2}])")).failure,
            ParseFailure::kNone);
}

TEST(ParseTest, NumbersADoubleCannotHoldAreUnstorable) {
  ParsedCallback p = Parse(WithExtra("9007199254740993"));
  EXPECT_EQ(p.failure, ParseFailure::kUnstorable);
  EXPECT_NE(p.error.find("cannot be held exactly"), std::string::npos);
  EXPECT_EQ(Parse(WithExtra("[12345678901234567890123]")).failure,
            ParseFailure::kUnstorable);
  ParsedCallback ok = Parse(WithExtra("[0.1, 9007199254740992, -3, 1e300]"));
  ASSERT_EQ(ok.failure, ParseFailure::kNone) << ok.error;
  EXPECT_EQ(ok.callback.raw_body()
                .fields()
                .at("extra")
                .list_value()
                .values(1)
                .number_value(),
            9007199254740992.0);
}

TEST(ParseTest, NestingTheStoredFormCannotReadBackIsUnstorable) {
  // 40 levels is valid JSON (limit 64), but as a Struct it is ~120 protobuf
  // levels: more than protobuf reads back (100).
  ParsedCallback p = Parse(WithExtra(Nested(40)));
  EXPECT_EQ(p.failure, ParseFailure::kUnstorable);
  EXPECT_NE(p.error.find("cannot be read back"), std::string::npos) << p.error;
  ParsedCallback ok = Parse(WithExtra(Nested(20)));
  EXPECT_EQ(ok.failure, ParseFailure::kNone) << ok.error;
}

TEST(ParseTest, EscapedNulRoundTrips) {
  ParsedCallback p = Parse(WithExtra(R"({"a\u0000b":"x\u0000y"})"));
  ASSERT_EQ(p.failure, ParseFailure::kNone) << p.error;
  EXPECT_EQ(p.callback.raw_body()
                .fields()
                .at("extra")
                .struct_value()
                .fields()
                .at(std::string("a\0b", 3))
                .string_value(),
            std::string("x\0y", 3));
  // A raw NUL byte is not JSON.
  EXPECT_EQ(Parse(std::string("{\0}", 3)).failure,
            ParseFailure::kMalformedJson);
}

TEST(CheckStorableTest, ReadsBackOrSaysWhy) {
  v1::Callback cb;
  cb.set_user_reference("ok");
  EXPECT_TRUE(CheckStorable(cb).ok());
  cb.set_user_reference("\xff");
  EXPECT_EQ(CheckStorable(cb).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace jumio_gateway::callbacks
