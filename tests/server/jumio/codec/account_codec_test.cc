#include "server/jumio/codec/account_codec.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/server/jumio/codec/codec_test_util.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;
using ::jumio_gateway::codec::testing::JsonEquals;
using ::jumio_gateway::codec::testing::ListTestdata;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;
using ::jumio_gateway::codec::testing::ViolationFields;
using ::jumio_gateway::codec::testing::WithStringMember;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCallbackUrl[] = "https://gateway.example.com/jumio/callbacks";

// A request that passes every check; tests change one field at a time.
v1::CreateAccountRequest ValidRequest() {
  v1::CreateAccountRequest r;
  r.mutable_workflow_definition()->set_key(2);
  return r;
}

v1::UpdateAccountRequest ToUpdate(const v1::CreateAccountRequest& c) {
  // Fields 3 to 10 have the same numbers and types in both messages.
  v1::UpdateAccountRequest u;
  EXPECT_TRUE(u.ParseFromString(c.SerializeAsString()));
  u.clear_name();
  return u;
}

std::string Repeat(absl::string_view unit, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&out, unit);
  return out;
}

// An https URL of exactly `length` characters.
std::string UrlOfLength(size_t length) {
  std::string url = "https://gateway.example.com/";
  url += std::string(length - url.size(), 'a');
  return url;
}

TEST(AccountRequestTest, Wf2SampleReadsWithEveryField) {
  absl::StatusOr<v1::CreateAccountRequest> r =
      ReadAccountRequestBody(ReadTestdata("account_create_request_wf2.json"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->customer_internal_reference(), "CUSTOMER_REFERENCE");
  EXPECT_EQ(r->user_reference(), "YOUR_USER_REFERENCE");
  EXPECT_EQ(r->callback_url(), "YOUR_CALLBACK_URL");
  const v1::WorkflowDefinition& def = r->workflow_definition();
  EXPECT_EQ(def.key(), 2);
  ASSERT_EQ(def.credentials_size(), 1);
  EXPECT_EQ(def.credentials(0).category(), v1::CREDENTIAL_CATEGORY_ID);
  EXPECT_EQ(def.credentials(0).country().predefined_type(),
            v1::PREDEFINED_TYPE_DEFINED);
  EXPECT_THAT(def.credentials(0).country().values(),
              ElementsAre("USA", "CAN", "AUT", "GBR"));
  EXPECT_THAT(def.credentials(0).type().values(),
              ElementsAre("DRIVING_LICENSE", "ID_CARD"));
  EXPECT_EQ(def.capabilities().watchlist_screening().additional_properties(),
            "string");
  EXPECT_EQ(r->user_consent().user_ip(), "226.80.211.232");
  EXPECT_EQ(r->user_consent().user_location().country(), "USA");
  EXPECT_EQ(r->user_consent().user_location().state(), "IL");
  EXPECT_EQ(r->user_consent().consent().obtained(), v1::CONSENT_OBTAINED_YES);
  EXPECT_EQ(r->user_consent().consent().obtained_time(),
            TimeUtil::GetEpoch() + TimeUtil::SecondsToDuration(1658337635));
}

TEST(AccountRequestTest, Wf2SampleRoundTripsOnceTheCallbackPlaceholderIsReal) {
  const std::string sample = ReadTestdata("account_create_request_wf2.json");
  absl::StatusOr<v1::CreateAccountRequest> r = ReadAccountRequestBody(sample);
  ASSERT_TRUE(r.ok()) << r.status();

  // The sample's "YOUR_CALLBACK_URL" is a placeholder the strict writer
  // refuses.
  absl::StatusOr<std::string> placeholder = WriteCreateAccountBody(*r);
  EXPECT_EQ(placeholder.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationFields(placeholder.status()),
              ElementsAre("callback_url"));

  r->set_callback_url(kCallbackUrl);
  absl::StatusOr<std::string> body = WriteCreateAccountBody(*r);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(
      JsonEquals(WithStringMember(sample, "callbackUrl", kCallbackUrl), *body));
}

TEST(AccountRequestTest, Wf5ExistingIdCredentialSampleRoundTripsAsUpdate) {
  const std::string sample =
      ReadTestdata("account_update_request_wf5_existing_id_credential.json");
  absl::StatusOr<v1::CreateAccountRequest> r = ReadAccountRequestBody(sample);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->workflow_definition().credentials_size(), 2);
  EXPECT_EQ(r->workflow_definition().credentials(0).id(),
            "33333333-3333-3333-aaaaaaaaaaaa");
  EXPECT_EQ(r->workflow_definition().credentials(1).category(),
            v1::CREDENTIAL_CATEGORY_SELFIE);
  v1::UpdateAccountRequest update = ToUpdate(*r);
  update.set_name(
      "regions/amer-1/accounts/11111111-1111-1111-1111-aaaaaaaaaaaa");
  absl::StatusOr<std::string> body = WriteUpdateAccountBody(update);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(JsonEquals(sample, *body));
}

// Removes `"credentials": []` from the workflow definition: proto3 cannot tell
// an empty list from none, and Jumio reads both as "the workflow's defaults".
std::string WithoutEmptyCredentials(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  rapidjson::Value& def = doc["workflowDefinition"];
  if (def.HasMember("credentials") && def["credentials"].Empty())
    def.RemoveMember("credentials");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

// Every request example of the reference manual and the workflow guide.
TEST(AccountRequestTest, EverySeedRequestRoundTrips) {
  std::vector<std::string> seeds =
      ListTestdata("seed", "_account_request.json");
  ASSERT_GE(seeds.size(), 15u);
  for (const std::string& name : seeds) {
    SCOPED_TRACE(name);
    std::string sample = ReadTestdata(name);
    if (absl::StrContains(sample, "\"callbackUrl\""))
      sample = WithStringMember(sample, "callbackUrl", kCallbackUrl);
    absl::StatusOr<v1::CreateAccountRequest> r = ReadAccountRequestBody(sample);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->workflow_definition().key(), 0);
    absl::StatusOr<std::string> body = WriteCreateAccountBody(*r);
    ASSERT_TRUE(body.ok()) << body.status();
    EXPECT_TRUE(JsonEquals(WithoutEmptyCredentials(sample), *body));
  }
}

TEST(AccountRequestTest, WritesEveryFieldInJumioSpelling) {
  v1::CreateAccountRequest r = ValidRequest();
  r.set_reporting_criteria("campaign-7");
  *r.mutable_token_lifetime() = TimeUtil::SecondsToDuration(86400);
  r.mutable_web()->set_success_url("https://www.example.com/ok");
  r.mutable_web()->set_error_url("http://www.example.com/error");
  r.mutable_web()->set_locale("en-GB");
  v1::CredentialDefinition* c =
      r.mutable_workflow_definition()->add_credentials();
  c->set_category(v1::CREDENTIAL_CATEGORY_DOCUMENT);
  c->mutable_country()->add_values("AUT");
  c->mutable_type()->set_predefined_type(v1::PREDEFINED_TYPE_RECOMMENDED);
  c->mutable_type()->add_values("BS");
  auto& extra = *r.mutable_workflow_definition()
                     ->mutable_capabilities()
                     ->mutable_additional_capabilities()
                     ->mutable_fields();
  (*extra["addressValidation"]
        .mutable_struct_value()
        ->mutable_fields())["retries"]
      .set_number_value(3);
  r.mutable_user_consent()->set_user_ip("2001:db8::1");
  r.mutable_user_consent()->mutable_user_location()->set_country("AUT");
  r.mutable_user_consent()->mutable_consent()->set_obtained(
      v1::CONSENT_OBTAINED_NA);

  absl::StatusOr<std::string> body = WriteCreateAccountBody(r);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(JsonEquals(R"({
    "reportingCriteria": "campaign-7",
    "tokenLifetime": "1d",
    "web": {"successUrl": "https://www.example.com/ok",
            "errorUrl": "http://www.example.com/error", "locale": "en-GB"},
    "workflowDefinition": {
      "key": 2,
      "credentials": [{"category": "DOCUMENT", "country": {"values": ["AUT"]},
                       "type": {"predefinedType": "RECOMMENDED",
                                "values": ["BS"]}}],
      "capabilities": {"addressValidation": {"retries": 3}}},
    "userConsent": {"userIp": "2001:db8::1",
                    "userLocation": {"country": "AUT"},
                    "consent": {"obtained": "na"}}})",
                         *body));
  // Integral Struct numbers are written as integers, not 3.0.
  EXPECT_THAT(*body, HasSubstr("\"retries\":3}"));

  // And back again.
  absl::StatusOr<v1::CreateAccountRequest> read = ReadAccountRequestBody(*body);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(MessageDifferencer::Equals(r, *read))
      << read->DebugString() << "\nvs\n"
      << r.DebugString();
}

struct LengthCase {
  const char* field;
  size_t limit;
  void (*set)(v1::CreateAccountRequest*, const std::string&);
  // Builds a value of `n` characters valid for the field's format.
  std::string (*make)(size_t n);
};

std::string Letters(size_t n) { return std::string(n, 'r'); }

const LengthCase kLengthCases[] = {
    {"customer_internal_reference", 100,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->set_customer_internal_reference(v);
     },
     Letters},
    {"user_reference", 100,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->set_user_reference(v);
     },
     Letters},
    {"reporting_criteria", 255,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->set_reporting_criteria(v);
     },
     Letters},
    {"callback_url", 255,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->set_callback_url(v);
     },
     UrlOfLength},
    {"web.success_url", 255,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->mutable_web()->set_success_url(v);
     },
     UrlOfLength},
    {"web.error_url", 255,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->mutable_web()->set_error_url(v);
     },
     UrlOfLength},
    {"web.locale", 5,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->mutable_web()->set_locale(v);
     },
     [](size_t n) {
       return n == 5 ? std::string("pt-BR") : std::string("pt-BRx");
     }},
    {"user_consent.user_location.state", 100,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->mutable_user_consent()->set_user_ip("10.0.0.1");
       r->mutable_user_consent()->mutable_user_location()->set_country("AUT");
       r->mutable_user_consent()->mutable_user_location()->set_state(v);
     },
     Letters},
    {"workflow_definition.capabilities.watchlist_screening."
     "additional_properties",
     255,
     [](v1::CreateAccountRequest* r, const std::string& v) {
       r->mutable_workflow_definition()
           ->mutable_capabilities()
           ->mutable_watchlist_screening()
           ->set_additional_properties(v);
     },
     Letters},
};

TEST(AccountRequestTest, EachLengthLimitAcceptsTheLimitAndRejectsOneMore) {
  for (const LengthCase& c : kLengthCases) {
    SCOPED_TRACE(c.field);
    v1::CreateAccountRequest at_limit = ValidRequest();
    c.set(&at_limit, c.make(c.limit));
    absl::StatusOr<std::string> ok = WriteCreateAccountBody(at_limit);
    EXPECT_TRUE(ok.ok()) << ok.status();

    v1::CreateAccountRequest over = ValidRequest();
    c.set(&over, c.make(c.limit + 1));
    absl::StatusOr<std::string> rejected = WriteCreateAccountBody(over);
    EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Reason(rejected.status()), "INVALID_FIELD");
    EXPECT_THAT(ViolationFields(rejected.status()), ElementsAre(c.field));
    // The same limits apply to an update.
    EXPECT_THAT(
        ViolationFields(WriteUpdateAccountBody(ToUpdate(over)).status()),
        ElementsAre(c.field));
  }
}

// Jumio's "Max. Length" counts bytes: 60 x "é" is 120 bytes and Jumio answers
// 400 for it, so the gateway refuses it before sending.
TEST(AccountRequestTest, LimitsCountBytesAsJumioDoes) {
  v1::CreateAccountRequest r = ValidRequest();
  r.set_user_reference(Repeat("\xC3\xA9", 50));  // 50 x "é", 100 bytes
  EXPECT_TRUE(WriteCreateAccountBody(r).ok());
  r.set_user_reference(Repeat("\xC3\xA9", 60));  // 120 bytes
  absl::Status status = WriteCreateAccountBody(r).status();
  EXPECT_THAT(ViolationFields(status), ElementsAre("user_reference"));
  EXPECT_NE(status.message().find("100 bytes"), absl::string_view::npos)
      << status.message();
  r.set_user_reference(std::string(99, 'r') + "\xC3\xA9");  // 101 bytes
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_reference"));
  r.set_customer_internal_reference(Repeat("\xC3\xA9", 51));
  r.set_user_reference("");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("customer_internal_reference"));
  r.set_customer_internal_reference("");
  r.set_user_reference("\xC3");  // truncated UTF-8
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_reference"));
}

TEST(AccountRequestTest, CollectsEveryViolationWithItsProtoPath) {
  v1::CreateAccountRequest r;
  r.set_customer_internal_reference(std::string(101, 'x'));
  v1::CredentialDefinition* c =
      r.mutable_workflow_definition()->add_credentials();
  c->set_category(v1::CREDENTIAL_CATEGORY_ID);
  c->mutable_country()->add_values("USA");
  c->mutable_country()->add_values("usa");
  r.mutable_workflow_definition()->add_credentials()->set_id("bad/id");
  absl::StatusOr<std::string> body = WriteCreateAccountBody(r);
  ASSERT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      ViolationFields(body.status()),
      ElementsAre("customer_internal_reference", "workflow_definition.key",
                  "workflow_definition.credentials[0].country.values[1]",
                  "workflow_definition.credentials[1].id",
                  "workflow_definition.credentials[1].category"));
  // Field paths, never values, in the message.
  EXPECT_THAT(std::string(body.status().message()), Not(HasSubstr("bad/id")));
}

TEST(AccountRequestTest, WorkflowDefinitionIsRequired) {
  EXPECT_THAT(ViolationFields(
                  WriteCreateAccountBody(v1::CreateAccountRequest()).status()),
              ElementsAre("workflow_definition"));
}

TEST(AccountRequestTest, CredentialRules) {
  v1::CreateAccountRequest r = ValidRequest();
  for (int i = 0; i < 11; ++i) {
    r.mutable_workflow_definition()->add_credentials()->set_category(
        v1::CREDENTIAL_CATEGORY_SELFIE);
  }
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("workflow_definition.credentials"));

  r = ValidRequest();
  v1::CredentialDefinition* doc =
      r.mutable_workflow_definition()->add_credentials();
  doc->set_category(v1::CREDENTIAL_CATEGORY_DOCUMENT);
  doc->mutable_country()->add_values("AUT");
  doc->mutable_country()->add_values("DEU");
  doc->mutable_type();  // set but empty
  doc->set_id(std::string(65, 'a'));
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("workflow_definition.credentials[0].id",
                          "workflow_definition.credentials[0].country.values",
                          "workflow_definition.credentials[0].type.values"));

  r = ValidRequest();
  v1::CredentialDefinition* id =
      r.mutable_workflow_definition()->add_credentials();
  id->set_category(static_cast<v1::CredentialCategory>(42));
  id->mutable_type()->add_values("driving licence");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("workflow_definition.credentials[0].category",
                          "workflow_definition.credentials[0].type.values[0]"));
}

TEST(AccountRequestTest, TypedAndStructCapabilityOptionsMustNotCollide) {
  v1::CreateAccountRequest r = ValidRequest();
  v1::CapabilityOptions* caps =
      r.mutable_workflow_definition()->mutable_capabilities();
  (*caps->mutable_additional_capabilities()
        ->mutable_fields())["watchlistScreening"]
      .set_bool_value(true);
  (*caps->mutable_watchlist_screening()
        ->mutable_additional_options()
        ->mutable_fields())["additionalProperties"]
      .set_string_value("x");
  EXPECT_THAT(
      ViolationFields(WriteCreateAccountBody(r).status()),
      ElementsAre("workflow_definition.capabilities.watchlist_screening."
                  "additional_options.additionalProperties",
                  "workflow_definition.capabilities.additional_capabilities."
                  "watchlistScreening"));
}

TEST(AccountRequestTest, CallbackUrlMustBeHttpsWithAHostName) {
  for (const char* good :
       {"https://gateway.example.com/cb", "https://gateway.example.com",
        "https://cb.example.com/a?b=c"}) {
    SCOPED_TRACE(good);
    v1::CreateAccountRequest r = ValidRequest();
    r.set_callback_url(good);
    EXPECT_TRUE(WriteCreateAccountBody(r).ok());
  }
  for (const char* bad :
       {"http://gateway.example.com/cb", "https://10.1.2.3/cb",
        "https://[2001:db8::1]/cb", "https://gateway.example.com:8443/cb",
        "https://gateway.example.com/cb#frag", "https://user@example.com/cb",
        "https:///cb", "https://exa mple.com/", "YOUR_CALLBACK_URL"}) {
    SCOPED_TRACE(bad);
    v1::CreateAccountRequest r = ValidRequest();
    r.set_callback_url(bad);
    EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
                ElementsAre("callback_url"));
  }
}

TEST(AccountRequestTest, WebUrlsAndLocaleFormats) {
  v1::CreateAccountRequest r = ValidRequest();
  r.mutable_web()->set_success_url("www.example.com/ok");
  r.mutable_web()->set_error_url("ftp://example.com/");
  r.mutable_web()->set_locale("EN");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("web.success_url", "web.error_url", "web.locale"));
  for (const char* locale : {"en", "es-MX", "zh-HK"}) {
    r = ValidRequest();
    r.mutable_web()->set_locale(locale);
    EXPECT_TRUE(WriteCreateAccountBody(r).ok()) << locale;
  }
}

TEST(AccountRequestTest, UserConsentRules) {
  v1::CreateAccountRequest r = ValidRequest();
  r.mutable_user_consent()->mutable_user_location()->set_country("USA");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_consent.user_ip", "user_consent.consent"));

  r.mutable_user_consent()->set_user_ip("300.1.1.1");
  r.mutable_user_consent()->mutable_consent()->set_obtained(
      v1::CONSENT_OBTAINED_YES);
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_consent.user_ip",
                          "user_consent.consent.obtained_time"));

  r.mutable_user_consent()->set_user_ip("192.0.2.7");
  *r.mutable_user_consent()->mutable_consent()->mutable_obtained_time() =
      TimeUtil::GetEpoch() + TimeUtil::MillisecondsToDuration(1658337635123);
  absl::StatusOr<std::string> body = WriteCreateAccountBody(r);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(
      *body,
      HasSubstr(R"("obtained":"yes","obtainedAt":"2022-07-20T17:20:35.123Z")"));

  r.mutable_user_consent()->mutable_user_location()->set_country("US");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_consent.user_location.country"));

  r = ValidRequest();
  r.mutable_user_consent()->set_user_ip("192.0.2.7");
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("user_consent.user_location"));
}

TEST(TokenLifetimeTest, FormatsInTheLargestExactUnit) {
  auto format = [](int64_t seconds) {
    absl::StatusOr<std::string> s =
        FormatTokenLifetime(TimeUtil::SecondsToDuration(seconds));
    return s.ok() ? *s : std::string("error");
  };
  EXPECT_EQ(format(300), "5m");
  EXPECT_EQ(format(301), "301s");
  EXPECT_EQ(format(1800), "30m");
  EXPECT_EQ(format(5400), "90m");
  EXPECT_EQ(format(7200), "2h");
  EXPECT_EQ(format(36 * 3600), "36h");
  EXPECT_EQ(format(86400), "1d");
  EXPECT_EQ(format(60 * 86400), "60d");
}

TEST(TokenLifetimeTest, BoundsAreFiveMinutesToSixtyDaysInWholeSeconds) {
  EXPECT_FALSE(FormatTokenLifetime(TimeUtil::SecondsToDuration(299)).ok());
  EXPECT_FALSE(
      FormatTokenLifetime(TimeUtil::SecondsToDuration(60 * 86400 + 1)).ok());
  EXPECT_FALSE(FormatTokenLifetime(TimeUtil::SecondsToDuration(-300)).ok());
  EXPECT_FALSE(
      FormatTokenLifetime(TimeUtil::MillisecondsToDuration(300500)).ok());

  v1::CreateAccountRequest r = ValidRequest();
  *r.mutable_token_lifetime() = TimeUtil::SecondsToDuration(299);
  EXPECT_THAT(ViolationFields(WriteCreateAccountBody(r).status()),
              ElementsAre("token_lifetime"));
  *r.mutable_token_lifetime() = TimeUtil::SecondsToDuration(300);
  absl::StatusOr<std::string> body = WriteCreateAccountBody(r);
  ASSERT_TRUE(body.ok());
  EXPECT_THAT(*body, HasSubstr(R"("tokenLifetime":"5m")"));
}

TEST(TokenLifetimeTest, ParsesJumioStrings) {
  google::protobuf::Duration d;
  ASSERT_TRUE(ParseTokenLifetime("30m", &d));
  EXPECT_EQ(d.seconds(), 1800);
  ASSERT_TRUE(ParseTokenLifetime("1d", &d));
  EXPECT_EQ(d.seconds(), 86400);
  ASSERT_TRUE(ParseTokenLifetime("600s", &d));
  EXPECT_EQ(d.seconds(), 600);
  EXPECT_FALSE(ParseTokenLifetime("5", &d));
  EXPECT_FALSE(ParseTokenLifetime("m", &d));
  EXPECT_FALSE(ParseTokenLifetime("-5m", &d));
  EXPECT_FALSE(ParseTokenLifetime("5w", &d));
}

TEST(AccountResponseTest, Wf2UpdateResponse) {
  absl::StatusOr<v1::UpdateAccountResponse> r = ReadUpdateAccountResponse(
      ReadTestdata("account_update_response_wf2.json"), "amer-1");
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string account =
      "regions/amer-1/accounts/11111111-1111-1111-1111-aaaaaaaaaaaa";
  const std::string workflow =
      account + "/workflowExecutions/22222222-2222-2222-2222-aaaaaaaaaaaa";
  const std::string credential =
      workflow + "/credentials/33333333-3333-3333-aaaaaaaaaaaa";
  EXPECT_EQ(r->account(), account);
  EXPECT_EQ(r->account_id(), "11111111-1111-1111-1111-aaaaaaaaaaaa");
  EXPECT_EQ(TimeUtil::ToString(r->response_time()), "2021-05-28T09:17:50.240Z");
  EXPECT_EQ(r->web_client().href(),
            "https://mycompany.web.amer-1.jumio.ai/web/v4/"
            "app?authorizationTokenxxx&locale=es");
  EXPECT_EQ(r->web_client().success_url(),
            "https://www.yourcompany.com/success");
  EXPECT_EQ(r->web_client().error_url(), "https://www.yourcompany.com/error");
  EXPECT_EQ(r->sdk().token(), "xxx");
  EXPECT_EQ(r->workflow_execution().name(), workflow);
  EXPECT_EQ(r->workflow_execution().id(),
            "22222222-2222-2222-2222-aaaaaaaaaaaa");
  ASSERT_EQ(r->workflow_execution().credentials_size(), 1);
  const v1::AcquisitionCredential& c = r->workflow_execution().credentials(0);
  EXPECT_EQ(c.name(), credential);
  EXPECT_EQ(c.category(), v1::CREDENTIAL_CATEGORY_ID);
  EXPECT_EQ(c.raw_category(), "ID");
  EXPECT_THAT(c.allowed_channels(),
              ElementsAre(v1::CHANNEL_WEB, v1::CHANNEL_API, v1::CHANNEL_SDK));
  EXPECT_THAT(c.raw_allowed_channels(), ElementsAre("WEB", "API", "SDK"));
  EXPECT_EQ(c.api().token(), "xxx");
  EXPECT_EQ(c.api().workflow_execution_uri(),
            "https://api.amer-1.jumio.ai/api/v1/accounts/"
            "11111111-1111-1111-1111-aaaaaaaaaaaa/workflow-executions/"
            "22222222-2222-2222-2222-aaaaaaaaaaaa");
  ASSERT_EQ(c.api().parts_size(), 2);
  EXPECT_EQ(c.api().parts(0).name(), credential + "/parts/FRONT");
  EXPECT_EQ(c.api().parts(0).classifier(), v1::CLASSIFIER_FRONT);
  EXPECT_EQ(c.api().parts(0).raw_classifier(), "FRONT");
  EXPECT_TRUE(absl::EndsWith(c.api().parts(0).upload_uri(), "/parts/FRONT"));
  EXPECT_EQ(c.api().parts(1).name(), credential + "/parts/BACK");
  EXPECT_EQ(c.api().parts(1).classifier(), v1::CLASSIFIER_BACK);
  EXPECT_FALSE(r->has_api());
}

TEST(AccountResponseTest, Wf5SimilarityResponseHasAnIdOnFileWithoutChannels) {
  absl::StatusOr<v1::UpdateAccountResponse> r = ReadUpdateAccountResponse(
      ReadTestdata("account_update_response_wf5_similarity.json"), "emea-1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_sdk());
  EXPECT_FALSE(r->has_web_client());
  ASSERT_EQ(r->workflow_execution().credentials_size(), 2);
  const v1::AcquisitionCredential& id = r->workflow_execution().credentials(0);
  EXPECT_EQ(id.category(), v1::CREDENTIAL_CATEGORY_ID);
  EXPECT_TRUE(id.allowed_channels().empty());
  EXPECT_FALSE(id.has_api());
  const v1::AcquisitionCredential& selfie =
      r->workflow_execution().credentials(1);
  EXPECT_EQ(selfie.category(), v1::CREDENTIAL_CATEGORY_SELFIE);
  ASSERT_EQ(selfie.api().parts_size(), 1);
  EXPECT_EQ(selfie.api().parts(0).name(),
            "regions/emea-1/accounts/11111111-1111-1111-1111-aaaaaaaaaaaa/"
            "workflowExecutions/22222222-2222-2222-2222-aaaaaaaaaaaa/"
            "credentials/33333333-3333-3333-bbbbbbbbbbbb/parts/FACE");
  EXPECT_EQ(selfie.api().parts(0).classifier(), v1::CLASSIFIER_FACE);
}

TEST(AccountResponseTest, Wf16FacemapResponseHasTopLevelApi) {
  absl::StatusOr<v1::UpdateAccountResponse> r = ReadUpdateAccountResponse(
      ReadTestdata("account_update_response_wf16_facemap.json"), "amer-1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->workflow_execution().credentials().empty());
  ASSERT_TRUE(r->has_api());
  EXPECT_EQ(r->api().token(), "xxx");
  ASSERT_EQ(r->api().parts_size(), 1);
  // The credential is named only by the upload URL.
  EXPECT_EQ(r->api().parts(0).name(),
            "regions/amer-1/accounts/11111111-1111-1111-1111-aaaaaaaaaaaa/"
            "workflowExecutions/22222222-2222-2222-2222-aaaaaaaaaaaa/"
            "credentials/33333333-3333-3333-aaaaaaaaaaaa/parts/FACEMAP");
  EXPECT_EQ(r->api().parts(0).classifier(), v1::CLASSIFIER_FACEMAP);
}

TEST(AccountResponseTest, PreparedDataCreateResponseAfterFixingTheSample) {
  absl::StatusOr<v1::CreateAccountResponse> r = ReadCreateAccountResponse(
      ReadTestdata("account_create_response_10005_prepared_data.json"),
      "amer-1");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->workflow_execution().credentials_size(), 1);
  const v1::AcquisitionCredential& data =
      r->workflow_execution().credentials(0);
  EXPECT_EQ(data.category(), v1::CREDENTIAL_CATEGORY_DATA);
  EXPECT_THAT(data.allowed_channels(), ElementsAre(v1::CHANNEL_API));
  ASSERT_EQ(data.api().parts_size(), 1);
  EXPECT_EQ(data.api().parts(0).classifier(), v1::CLASSIFIER_PREPARED_DATA);
  EXPECT_EQ(data.api().parts(0).raw_classifier(), "PREPARED_DATA");
  EXPECT_TRUE(absl::EndsWith(data.api().parts(0).name(),
                             "/credentials/33333333-3333-3333-aaaaaaaaaaaa/"
                             "parts/PREPARED_DATA"));
}

TEST(AccountResponseTest, BrokenOriginalSampleIsMalformedWithoutEchoingIt) {
  const std::string body =
      ReadTestdata("broken/account_create_response_10005_prepared_data.json");
  absl::StatusOr<v1::CreateAccountResponse> r =
      ReadCreateAccountResponse(body, "amer-1");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Reason(r.status()), "UPSTREAM_MALFORMED");
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr("xxx")));
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr("https://")));
}

// Every response example of the reference manual and the workflow guide.
TEST(AccountResponseTest, EverySeedResponseReads) {
  std::vector<std::string> seeds =
      ListTestdata("seed", "_account_response.json");
  ASSERT_GE(seeds.size(), 20u);
  for (const std::string& name : seeds) {
    SCOPED_TRACE(name);
    const std::string body = ReadTestdata(name);
    absl::StatusOr<v1::UpdateAccountResponse> r =
        ReadUpdateAccountResponse(body, "apac-1");
    ASSERT_TRUE(r.ok()) << r.status();
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    EXPECT_EQ(r->account_id(), doc["account"]["id"].GetString());
    EXPECT_TRUE(absl::StartsWith(r->account(), "regions/apac-1/accounts/"));
    EXPECT_EQ(r->workflow_execution().id(),
              doc["workflowExecution"]["id"].GetString());
    const int credentials = doc["workflowExecution"].HasMember("credentials")
                                ? doc["workflowExecution"]["credentials"].Size()
                                : 0;
    ASSERT_EQ(r->workflow_execution().credentials_size(), credentials);
    for (int i = 0; i < credentials; ++i) {
      const rapidjson::Value& json = doc["workflowExecution"]["credentials"][i];
      const v1::AcquisitionCredential& c =
          r->workflow_execution().credentials(i);
      EXPECT_NE(c.category(), v1::CREDENTIAL_CATEGORY_UNSPECIFIED);
      EXPECT_EQ(c.raw_allowed_channels_size(),
                static_cast<int>(json["allowedChannels"].Size()));
      const int parts = json.HasMember("api") && json["api"].HasMember("parts")
                            ? json["api"]["parts"].MemberCount()
                            : 0;
      ASSERT_EQ(c.api().parts_size(), parts);
      for (const v1::PartUploadTarget& part : c.api().parts()) {
        EXPECT_TRUE(absl::StartsWith(part.name(), c.name() + "/parts/"))
            << part.name();
        EXPECT_NE(part.classifier(), v1::CLASSIFIER_UNSPECIFIED);
      }
    }
  }
}

TEST(AccountResponseTest, ToleratesUnknownsTyposAndMissingOptionals) {
  absl::StatusOr<v1::CreateAccountResponse> r = ReadCreateAccountResponse(
      R"({"account": {"id": "a-1", "brandNew": 1},
          "workflowExecution": {"id": "w-1", "credentials": [
            {"id": "c-1", "categrory": "SELFIE",
             "allowedChannels": ["API", "HOLOGRAM"],
             "api": {"parts": {"face": "https://x/parts/FACE",
                               "liveness_1": "https://x/parts/LIVENESS_1"}}},
            {"id": "c-2", "category": "VOICE"}]},
          "somethingNew": {"x": [1, 2]}})",
      "emea-1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_response_time());
  EXPECT_FALSE(r->has_web_client());
  const auto& c = r->workflow_execution().credentials();
  ASSERT_EQ(c.size(), 2);
  EXPECT_EQ(c[0].category(), v1::CREDENTIAL_CATEGORY_SELFIE);
  EXPECT_THAT(c[0].allowed_channels(), ElementsAre(v1::CHANNEL_API));
  EXPECT_THAT(c[0].raw_allowed_channels(), ElementsAre("API", "HOLOGRAM"));
  ASSERT_EQ(c[0].api().parts_size(), 2);
  EXPECT_EQ(c[0].api().parts(1).classifier(), v1::CLASSIFIER_UNSPECIFIED);
  EXPECT_EQ(c[0].api().parts(1).raw_classifier(), "LIVENESS_1");
  EXPECT_EQ(c[0].api().parts(1).name(),
            "regions/emea-1/accounts/a-1/workflowExecutions/w-1/credentials/"
            "c-1/parts/LIVENESS_1");
  EXPECT_EQ(c[1].category(), v1::CREDENTIAL_CATEGORY_UNSPECIFIED);
  EXPECT_EQ(c[1].raw_category(), "VOICE");
  EXPECT_FALSE(c[1].has_api());
}

TEST(AccountResponseTest, MalformedCases) {
  for (const char* body :
       {"", "not json", "[1, 2]", R"({"account": {"id": "a"}})",
        R"({"account": {"id": 7}, "workflowExecution": {"id": "w"}})",
        R"({"account": "a", "workflowExecution": {"id": "w"}})",
        R"({"account": {"id": "a"}, "workflowExecution": {"id": ["w"]}})",
        R"({"account": {"id": "a"}, "workflowExecution": {"id": "w"})"}) {
    SCOPED_TRACE(body);
    absl::StatusOr<v1::CreateAccountResponse> r =
        ReadCreateAccountResponse(body, "amer-1");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
    EXPECT_EQ(Reason(r.status()), "UPSTREAM_MALFORMED");
  }
}

TEST(AccountRetrievalTest, ReadsIdHrefAndKeepsTheRest) {
  absl::StatusOr<v1::Account> a = ReadAccount(
      R"({"account": {"id": "a-1", "href": "https://retrieval.amer-1.jumio.ai/api/v1/accounts/a-1",
                      "createdAt": "2022-01-01T00:00:00.000Z"},
          "workflowExecutions": [{"id": "w-1"}], "customField": true})",
      "amer-1", "ignored");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id(), "a-1");
  EXPECT_EQ(a->name(), "regions/amer-1/accounts/a-1");
  EXPECT_EQ(a->region(), v1::REGION_AMER_1);
  EXPECT_EQ(a->href(), "https://retrieval.amer-1.jumio.ai/api/v1/accounts/a-1");
  EXPECT_EQ(a->attributes().fields().size(), 2u);
  EXPECT_TRUE(a->attributes().fields().at("customField").bool_value());
  EXPECT_EQ(a->attributes().fields().at("createdAt").string_value(),
            "2022-01-01T00:00:00.000Z");

  absl::StatusOr<v1::Account> top =
      ReadAccount(R"({"id": "a-2"})", "apac-1", "x");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->id(), "a-2");
  absl::StatusOr<v1::Account> fallback = ReadAccount("{}", "apac-1", "a-3");
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->name(), "regions/apac-1/accounts/a-3");
  EXPECT_FALSE(fallback->has_attributes());
  EXPECT_EQ(Reason(ReadAccount(R"({"id": 5})", "apac-1", "a").status()),
            "UPSTREAM_MALFORMED");
}

TEST(AccountRetrievalTest, ListsWorkflowExecutions) {
  absl::StatusOr<std::vector<v1::WorkflowExecutionSummary>> list =
      ReadAccountWorkflowExecutions(
          R"({"account": {"id": "a-1"}, "workflowExecutions": [
               {"id": "w-1", "href": "https://h/w-1", "definitionKey": "10013",
                "status": "PROCESSED"},
               {"workflowExecution": {"id": "w-2", "definitionKey": 3,
                                      "status": "PAUSED"}},
               {"status": "INITIATED"}, 7]})",
          "emea-1", "a-1");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name(),
            "regions/emea-1/accounts/a-1/workflowExecutions/w-1");
  EXPECT_EQ((*list)[0].account(), "regions/emea-1/accounts/a-1");
  EXPECT_EQ((*list)[0].definition_key(), 10013);
  EXPECT_EQ((*list)[0].status(), v1::WORKFLOW_STATUS_PROCESSED);
  EXPECT_EQ((*list)[0].href(), "https://h/w-1");
  EXPECT_EQ((*list)[1].definition_key(), 3);
  EXPECT_EQ((*list)[1].raw_definition_key(), "3");
  EXPECT_EQ((*list)[1].status(), v1::WORKFLOW_STATUS_UNSPECIFIED);
  EXPECT_EQ((*list)[1].raw_status(), "PAUSED");

  absl::StatusOr<std::vector<v1::WorkflowExecutionSummary>> none =
      ReadAccountWorkflowExecutions(R"({"id": "a-1"})", "emea-1", "a-1");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(Reason(ReadAccountWorkflowExecutions(
                       R"({"workflowExecutions": {}})", "emea-1", "a-1")
                       .status()),
            "UPSTREAM_MALFORMED");
}

}  // namespace
}  // namespace jumio_gateway::codec
