#include "server/jumio/codec/json_util.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/retrieval.pb.h"
#include "tests/server/jumio/codec/codec_test_util.h"
#include "tests/testing/small_stack.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::TimeUtil;
using ::jumio_gateway::codec::testing::JsonEquals;
using ::jumio_gateway::codec::testing::ListTestdata;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseJsonObjectTest, EveryValidSampleParsesAndEveryBrokenOneDoesNot) {
  std::vector<std::string> samples = ListTestdata(".", ".json");
  ASSERT_EQ(samples.size(), 21u);
  for (const std::string& name : samples) {
    rapidjson::Document doc;
    EXPECT_TRUE(ParseJsonObject(ReadTestdata(name), "sample", &doc).ok())
        << name;
  }
  std::vector<std::string> broken = ListTestdata("broken", ".json");
  ASSERT_EQ(broken.size(), 4u);
  for (const std::string& name : broken) {
    rapidjson::Document doc;
    absl::Status status = ParseJsonObject(ReadTestdata(name), "sample", &doc);
    EXPECT_EQ(Reason(status), "UPSTREAM_MALFORMED") << name;
    EXPECT_THAT(std::string(status.message()), HasSubstr("at byte")) << name;
  }
}

TEST(ParseJsonObjectTest, MessageNamesTheResponseButNeverEchoesTheBody) {
  rapidjson::Document doc;
  absl::Status status =
      ParseJsonObject(R"({"token": "s3cr3t-value", )", "token response", &doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("token response"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cr3t")));
}

TEST(ParseJsonObjectTest, DeepOrInvalidBodiesAreMalformedNotACrash) {
  absl::Status status;
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    rapidjson::Document doc;
    status =
        ParseJsonObject(std::string(100000, '['), "account response", &doc);
  }));
  EXPECT_EQ(Reason(status), "UPSTREAM_MALFORMED");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("account response cannot be read"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("nesting deeper than 64 at byte 64"));
  rapidjson::Document doc;
  EXPECT_EQ(Reason(ParseJsonObject("{\"a\":\"\xff\"}", "x", &doc)),
            "UPSTREAM_MALFORMED");
}

TEST(StructTest, DepthIsBoundedInBothDirections) {
  // JSON -> Struct: the deepest convertible document converts, and the
  // Struct it gives can be read back by a protobuf parser (a caller's), even
  // inside a few enclosing messages.
  auto nest = [](int levels) {
    std::string deep;
    for (int i = 0; i < levels; ++i) deep += R"({"a":)";
    deep += "1";
    for (int i = 0; i < levels; ++i) deep += "}";
    return deep;
  };
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJsonObject(nest(kMaxStructJsonDepth), "test", &doc).ok());
  google::protobuf::Struct s;
  ASSERT_TRUE(JsonToStruct(doc, "test", &s).ok());
  google::protobuf::Struct wrapped;
  google::protobuf::Struct* inner = &wrapped;
  for (int i = 0; i < 8; ++i) {
    inner = (*inner->mutable_fields())["m"].mutable_struct_value();
  }
  *inner = s;
  google::protobuf::Struct read_back;
  ASSERT_TRUE(read_back.ParseFromString(wrapped.SerializeAsString()));
  // One level more parses as JSON but is refused for a Struct, clearly.
  rapidjson::Document deeper;
  ASSERT_TRUE(
      ParseJsonObject(nest(kMaxStructJsonDepth + 1), "test", &deeper).ok());
  google::protobuf::Struct too_deep;
  EXPECT_THAT(std::string(JsonToStruct(deeper, "test", &too_deep).message()),
              HasSubstr("deeper than 24 levels cannot be carried"));
  // A Value deeper than the limit (built directly) is refused by
  // JsonToValue's own guard...
  rapidjson::Document nested;
  nested.SetArray();
  rapidjson::Value* tip = &nested;
  for (int i = 0; i < kMaxJsonDepth + 2; ++i) {
    tip->PushBack(rapidjson::Value(rapidjson::kArrayType),
                  nested.GetAllocator());
    tip = &(*tip)[0];
  }
  google::protobuf::Value v;
  EXPECT_THAT(std::string(JsonToValue(nested, "test", &v).message()),
              HasSubstr("nesting deeper than 24"));
  // ... and Struct -> JSON checks a caller's Struct before writing it.
  google::protobuf::Struct caller;
  google::protobuf::Struct* at = &caller;
  for (int i = 0; i < kMaxJsonDepth + 2; ++i) {
    at = (*at->mutable_fields())["a"].mutable_struct_value();
  }
  Violations violations;
  CheckStruct(caller, "prepared_data", &violations);
  ASSERT_FALSE(violations.empty());
  EXPECT_THAT(violations.items()[0].second, HasSubstr("nested deeper"));
}

TEST(EnumTest, PrefixedLookupWithRawFallback) {
  EXPECT_EQ(ParseEnum<v1::DecisionType>("PASSED"), v1::DECISION_TYPE_PASSED);
  EXPECT_EQ(ParseEnum<v1::ConsentObtained>("yes"), v1::CONSENT_OBTAINED_YES);
  EXPECT_EQ(ParseEnum<v1::DecisionType>("NEVER_HEARD_OF"),
            v1::DECISION_TYPE_UNSPECIFIED);
  EXPECT_EQ(ParseEnum<v1::DecisionType>(""), v1::DECISION_TYPE_UNSPECIFIED);
  EXPECT_EQ(ParseEnum<v1::IdSubType>("UNKOWN"), v1::ID_SUB_TYPE_UNKNOWN);
  EXPECT_EQ(ParseEnum<v1::IdSubType>("UNKNOWN"), v1::ID_SUB_TYPE_UNKNOWN);
  EXPECT_EQ(JumioName(v1::CREDENTIAL_CATEGORY_ID), "ID");
  EXPECT_EQ(JumioName(v1::PREDEFINED_TYPE_RECOMMENDED), "RECOMMENDED");
  EXPECT_EQ(JumioName(v1::PREDEFINED_TYPE_UNSPECIFIED), "");
  EXPECT_EQ(JumioName(static_cast<v1::Channel>(99)), "");
}

TEST(TimeTest, ParsesJumioTimestampsAndFormatsThemBack) {
  google::protobuf::Timestamp t;
  ASSERT_TRUE(ParseJumioTime("2021-05-28T09:17:50.240Z", &t));
  EXPECT_EQ(t.seconds(), 1622193470);
  EXPECT_EQ(t.nanos(), 240000000);
  EXPECT_EQ(FormatJumioTime(t), "2021-05-28T09:17:50.240Z");
  ASSERT_TRUE(ParseJumioTime("2021-05-28T11:17:50+02:00", &t));
  EXPECT_EQ(FormatJumioTime(t), "2021-05-28T09:17:50.000Z");
  google::protobuf::Timestamp untouched = TimeUtil::GetEpoch();
  EXPECT_FALSE(ParseJumioTime("2021-05-28", &untouched));
  EXPECT_FALSE(ParseJumioTime("", &untouched));
  EXPECT_FALSE(ParseJumioTime("yesterday", &untouched));
  EXPECT_EQ(untouched, TimeUtil::GetEpoch());
}

TEST(NamesTest, RegionsAndResourceNames) {
  EXPECT_EQ(RegionId(v1::REGION_EMEA_1), "emea-1");
  EXPECT_EQ(RegionId(v1::REGION_UNSPECIFIED), "");
  EXPECT_EQ(RegionFromId("apac-1"), v1::REGION_APAC_1);
  EXPECT_EQ(RegionFromId("mars-1"), v1::REGION_UNSPECIFIED);
  EXPECT_EQ(RegionFromUrl("https://retrieval.apac-1.jumio.ai/api/v1/x"),
            "apac-1");
  EXPECT_EQ(RegionFromUrl("https://mycompany.web.amer-1.jumio.ai/web/v4/app"),
            "amer-1");
  EXPECT_EQ(RegionFromUrl("https://retrieval.apac-1.jumio.ai.evil.com/"), "");
  EXPECT_EQ(RegionFromUrl("https://retrieval.mars-1.jumio.ai/"), "");
  // The sandbox's (and any "{region}/{kind}" template's) path-prefix layout.
  EXPECT_EQ(RegionFromUrl("http://127.0.0.1:8080/emea-1/retrieval/api/v1/x"),
            "emea-1");
  EXPECT_EQ(RegionFromUrl("http://127.0.0.1:8080/emea-1/elsewhere/x"), "");
  EXPECT_EQ(RegionFromUrl("http://127.0.0.1:8080/mars-1/retrieval/x"), "");
  EXPECT_EQ(PartName("amer-1", "a", "w", "c", "FRONT"),
            "regions/amer-1/accounts/a/workflowExecutions/w/credentials/c/"
            "parts/FRONT");
  EXPECT_EQ(PartName("amer-1", "a", "", "c", "FRONT"), "");
  EXPECT_EQ(PartName("amer-1", "a", "w", "c", "front"), "");
  EXPECT_EQ(
      UrlSegmentAfter("https://x/credentials/c-1/parts/FRONT", "credentials"),
      "c-1");
  EXPECT_EQ(UrlSegmentAfter("https://x/parts/FRONT", "credentials"), "");
  EXPECT_TRUE(IsValidId("11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx"));
  EXPECT_FALSE(IsValidId("a/b"));
  EXPECT_FALSE(IsValidId(std::string(65, 'a')));
}

TEST(Utf8Test, LengthAndValidity) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 3u);
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(StructTest, JsonToStructAndBackIsLossless) {
  constexpr char kJson[] =
      R"({"s": "x", "n": 3, "d": 2.5, "b": true, "z": null,
          "o": {"l": [1, "two", {"three": 3}]}})";
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJsonObject(kJson, "test", &doc).ok());
  google::protobuf::Struct s;
  ASSERT_TRUE(JsonToStruct(doc, "test", &s).ok());
  Violations violations;
  CheckStruct(s, "s", &violations);
  EXPECT_TRUE(violations.empty());
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  WriteStructMembers(s, &writer);
  writer.EndObject();
  EXPECT_TRUE(JsonEquals(kJson, buffer.GetString()));
}

TEST(ViolationsTest, OneStatusWithEveryViolation) {
  Violations v;
  EXPECT_TRUE(v.ToStatus().ok());
  v.Add("a.b[0]", "is required");
  v.Add("c", "must be at most 5 characters");
  absl::Status status = v.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(status), "INVALID_FIELD");
  EXPECT_THAT(testing::ViolationFields(status),
              ::testing::ElementsAre("a.b[0]", "c"));
}

}  // namespace
}  // namespace jumio_gateway::codec
