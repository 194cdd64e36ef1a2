#include "server/core/json.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/testing/small_stack.h"

namespace jumio_gateway::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s.data(), s.size());
  return out;
}

// `depth` nested arrays, closed.
std::string NestedArrays(int depth) {
  return Repeat("[", depth) + Repeat("]", depth);
}

std::string NestedObjects(int depth) {
  return Repeat(R"({"a":)", depth) + "1" + Repeat("}", depth);
}

absl::Status ParseOnSmallStack(const std::string& text,
                               rapidjson::Document* doc) {
  absl::Status status = absl::UnknownError("not run");
  EXPECT_TRUE(testing::RunOnSmallStack([&] { status = ParseJson(text, doc); }));
  return status;
}

TEST(ParseJsonTest, HundredThousandBracketsRefusedOnSmallStack) {
  rapidjson::Document doc;
  const absl::Status status = ParseOnSmallStack(Repeat("[", 100000), &doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("nesting deeper than 64"));
  EXPECT_THAT(status.message(), HasSubstr("at byte 64"));
  EXPECT_TRUE(doc.IsNull());
}

TEST(ParseJsonTest, HundredThousandObjectsRefusedOnSmallStack) {
  rapidjson::Document doc;
  const absl::Status status =
      ParseOnSmallStack(Repeat(R"({"a":)", 100000), &doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("nesting deeper than 64"));
  // Never echoes the input.
  EXPECT_THAT(status.message(), Not(HasSubstr("\"a\"")));
}

TEST(ParseJsonTest, DepthSixtyFourAcceptedSixtyFiveRefused) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseOnSmallStack(NestedArrays(kMaxJsonDepth), &doc).ok());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_TRUE(ParseOnSmallStack(NestedObjects(kMaxJsonDepth), &doc).ok());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_THAT(
      ParseOnSmallStack(NestedArrays(kMaxJsonDepth + 1), &doc).message(),
      HasSubstr("nesting deeper than 64"));
  EXPECT_THAT(
      ParseOnSmallStack(NestedObjects(kMaxJsonDepth + 1), &doc).message(),
      HasSubstr("nesting deeper than 64"));
}

TEST(ParseJsonTest, AcceptedDocumentsCanBeWrittenAndDestroyedOnSmallStack) {
  // Writer (Value::Accept) recurses one frame per level; at the maximum
  // depth it must still fit a small stack, and so must the destructor.
  bool ok = false;
  std::string written;
  ASSERT_TRUE(testing::RunOnSmallStack([&] {
    rapidjson::Document doc;
    ok = ParseJson(NestedObjects(kMaxJsonDepth), &doc).ok();
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    written = buffer.GetString();
  }));
  EXPECT_TRUE(ok);
  EXPECT_EQ(written, NestedObjects(kMaxJsonDepth));
}

TEST(ParseJsonTest, CustomDepthLimit) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJson("[[1]]", &doc, {.max_depth = 2}).ok());
  EXPECT_THAT(ParseJson("[[[1]]]", &doc, {.max_depth = 2}).message(),
              HasSubstr("nesting deeper than 2 at byte 2"));
}

TEST(ParseJsonTest, InvalidUtf8Refused) {
  rapidjson::Document doc;
  const absl::Status status = ParseJson("{\"a\":\"\xff\xfe\"}", &doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Invalid encoding"));
  EXPECT_THAT(status.message(), HasSubstr("at byte"));
  // Overlong encoding of '/' and a lone surrogate are invalid too.
  EXPECT_FALSE(ParseJson("\"\xc0\xaf\"", &doc).ok());
  EXPECT_FALSE(ParseJson("\"\xed\xa0\x80\"", &doc).ok());
  EXPECT_TRUE(ParseJson("\"caf\xc3\xa9\"", &doc).ok());
}

TEST(ParseJsonTest, NulBytesRefusedEscapedNulKept) {
  rapidjson::Document doc;
  EXPECT_THAT(ParseJson(absl::string_view("{}\0{\"x\":1}", 10), &doc).message(),
              HasSubstr("NUL byte at byte 2"));
  EXPECT_FALSE(ParseJson(absl::string_view("\"a\0b\"", 5), &doc).ok());
  ASSERT_TRUE(ParseJson(R"("a\u0000b")", &doc).ok());
  EXPECT_EQ(doc.GetStringLength(), 3u);
}

TEST(ParseJsonTest, SizeLimit) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJson("[1,2]", &doc, {.max_bytes = 5}).ok());
  EXPECT_THAT(ParseJson("[1,22]", &doc, {.max_bytes = 5}).message(),
              HasSubstr("JSON text of 6 bytes is larger than 5"));
}

TEST(ParseJsonTest, SyntaxErrorsNameTheOffsetNotTheInput) {
  rapidjson::Document doc;
  const absl::Status status = ParseJson(R"({"secret": tru})", &doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("invalid JSON"));
  EXPECT_THAT(status.message(), HasSubstr("at byte"));
  EXPECT_THAT(status.message(), Not(HasSubstr("secret")));
  EXPECT_FALSE(ParseJson("", &doc).ok());
  EXPECT_FALSE(ParseJson("{} {}", &doc).ok());
}

TEST(ParseJsonTest, ReplacesPreviousContentAndParsesValues) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJson(R"({"a":[1,-2,3.5,"x",true,null]})", &doc).ok());
  ASSERT_TRUE(doc.IsObject());
  const rapidjson::Value& a = doc["a"];
  ASSERT_EQ(a.Size(), 6u);
  EXPECT_EQ(a[1].GetInt(), -2);
  EXPECT_EQ(a[2].GetDouble(), 3.5);
  EXPECT_FALSE(ParseJson("[", &doc).ok());
  EXPECT_TRUE(doc.IsNull());
}

TEST(ParseJsonTest, EscapedLoneSurrogatesRefused) {
  rapidjson::Document doc;
  EXPECT_THAT(ParseJson(R"(["\udc00"])", &doc).message(),
              HasSubstr("unpaired UTF-16 surrogate"));
  EXPECT_FALSE(ParseJson(R"({"\udc00":1})", &doc).ok());
  EXPECT_FALSE(ParseJson(R"(["\ud800"])", &doc).ok());
  ASSERT_TRUE(ParseJson(R"(["\ud83d\ude00"])", &doc).ok());
  EXPECT_TRUE(IsValidUtf8(doc[0].GetString()));
}

TEST(CheckJsonNumbersExactTest, NumbersADoubleHoldsPass) {
  for (const char* ok :
       {"[0]", "[-0]", "[0.1]", "[1.5e300]", "[9007199254740992]",
        "[-9007199254740992]", "[1E2]", "[100.000]", "[3]", "[2.5e-7]",
        "[0.30000000000000004]", "[1e22]"}) {
    EXPECT_TRUE(CheckJsonNumbersExact(ok).ok()) << ok;
  }
}

TEST(CheckJsonNumbersExactTest, NumbersADoubleCannotHoldRefused) {
  for (const char* bad : {"[9007199254740993]", "[12345678901234567890123]",
                          "[0.30000000000000000001]", "[18446744073709551615]",
                          "[1e400]", "[1.00000000000000000000001]"}) {
    const absl::Status status = CheckJsonNumbersExact(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(CheckJsonNumbersExact(R"({"a":[1,9007199254740993]})").message(),
              HasSubstr("cannot be held exactly by a double"));
  // Still the parser's other checks.
  EXPECT_THAT(CheckJsonNumbersExact(Repeat("[", 1000)).message(),
              HasSubstr("nesting deeper than 64"));
}

TEST(ValidateJsonTest, SameChecksWithoutADocument) {
  EXPECT_TRUE(ValidateJson(NestedArrays(kMaxJsonDepth)).ok());
  bool deep_refused = false;
  ASSERT_TRUE(testing::RunOnSmallStack([&] {
    deep_refused = absl::StrContains(
        ValidateJson(Repeat("[", 100000)).message(), "nesting deeper than 64");
  }));
  EXPECT_TRUE(deep_refused);
}

}  // namespace
}  // namespace jumio_gateway::core
