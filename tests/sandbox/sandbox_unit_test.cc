// Unit tests for the sandbox's pure pieces.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sandbox/clock.h"
#include "sandbox/faults.h"
#include "sandbox/images.h"
#include "sandbox/journal.h"
#include "sandbox/processing.h"
#include "sandbox/ratelimit.h"
#include "sandbox/server.h"
#include "sandbox/validation.h"
#include "sandbox/workflows.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/small_stack.h"

namespace jumio::sandbox {
namespace {

std::string PngHeader(uint32_t w, uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16);
  for (uint32_t v : {w, h}) {
    for (int i = 3; i >= 0; --i)
      s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return s + std::string(5, '\0');
}

TEST(ImagesTest, ReadsPngDimensions) {
  auto info = InspectImage(PngHeader(8000, 1234));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->content_type, "image/png");
  EXPECT_EQ(info->width, 8000u);
  EXPECT_EQ(info->height, 1234u);
}

TEST(ImagesTest, ReadsJpegSofAfterOtherSegments) {
  // SOI, APP1 (6 bytes payload), DHT-like C4 segment that must not be taken for
  // a SOF, SOF2.
  const unsigned char bytes[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'a',  'b',
                                 'c',  'd',  'e',  'f',  0xFF, 0xC4, 0x00, 0x04,
                                 0x00, 0x00, 0xFF, 0xC2, 0x00, 0x0b, 0x08, 0x01,
                                 0x2c, 0x02, 0x58, 0x03, 0x01};
  std::string j(reinterpret_cast<const char*>(bytes), sizeof(bytes));
  auto info = InspectImage(j);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->content_type, "image/jpeg");
  EXPECT_EQ(info->width, 600u);
  EXPECT_EQ(info->height, 300u);
}

TEST(ImagesTest, RejectsOtherFormatsAndTruncatedHeaders) {
  EXPECT_FALSE(InspectImage("GIF89a....").ok());
  EXPECT_FALSE(InspectImage("").ok());
  EXPECT_FALSE(InspectImage(PngHeader(10, 10).substr(0, 20)).ok());
  EXPECT_FALSE(InspectImage(std::string("\xFF\xD8\xFF\xE0\x00", 5)).ok());
  EXPECT_FALSE(InspectImage(PngHeader(0, 10)).ok());
}

TEST(TokenLifetimeTest, ParsesUnitsAndBounds) {
  EXPECT_EQ(*ParseTokenLifetime("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseTokenLifetime("300s"), absl::Minutes(5));
  EXPECT_EQ(*ParseTokenLifetime("1d"), absl::Hours(24));
  EXPECT_EQ(*ParseTokenLifetime("60d"), absl::Hours(24 * 60));
  EXPECT_EQ(*ParseTokenLifetime("2h"), absl::Hours(2));
  for (const char* bad : {"299s", "4m", "61d", "1441h", "", "m", "5", "5w",
                          "-5m", "5 m", "99999999999999d"}) {
    auto r = ParseTokenLifetime(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(FieldOf(r.status()), "tokenLifetime");
    }
  }
}

TEST(ValidationTest, CallbackUrlRules) {
  EXPECT_TRUE(
      ValidateCallbackUrl("https://callback.example.com/jumio?x=1", false)
          .ok());
  EXPECT_FALSE(
      ValidateCallbackUrl("http://callback.example.com/jumio", false).ok());
  EXPECT_FALSE(ValidateCallbackUrl("https://1.2.3.4/cb", false).ok());
  EXPECT_FALSE(ValidateCallbackUrl("https://example.com:444/cb", false).ok());
  EXPECT_FALSE(ValidateCallbackUrl("https://example.com/cb#frag", false).ok());
  EXPECT_FALSE(ValidateCallbackUrl("http://127.0.0.1:9000/cb", false).ok());
  EXPECT_TRUE(ValidateCallbackUrl("http://127.0.0.1:9000/cb", true).ok());
  EXPECT_FALSE(ValidateCallbackUrl("http://10.1.1.1:9000/cb", true).ok());
  EXPECT_FALSE(
      ValidateCallbackUrl("https://" + std::string(250, 'a') + ".com", false)
          .ok());
}

TEST(ValidationTest, AcceptsTheCategoryTypoAndStringKey) {
  auto r = ParseAccountRequest(
      R"({"workflowDefinition":{"key":"20","credentials":[{"categrory":"ID"},{"category":"SELFIE"}]}})",
      {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->workflow_key, 20);
  EXPECT_EQ(r->credentials[0].category, "ID");
}

TEST(ValidationTest, DeeplyNestedBodiesAreRefusedNotACrash) {
  const std::string deep =
      R"({"workflowDefinition":{"key":3},"x":)" + std::string(100000, '[');
  absl::StatusOr<AccountRequest> account = absl::UnknownError("not run");
  absl::StatusOr<std::vector<FaultSpec>> faults = absl::UnknownError("");
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    account = ParseAccountRequest(deep, {});
    faults = Faults::Parse(std::string(100000, '['));
  }));
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(FieldOf(account.status()), "body");
  EXPECT_NE(account.status().message().find("nesting deeper than 64"),
            std::string::npos)
      << account.status();
  ASSERT_FALSE(faults.ok());
  EXPECT_EQ(FieldOf(faults.status()), "body");
}

TEST(ValidationTest, ConsentTimestampFormat) {
  auto r = ParseAccountRequest(
      R"({"workflowDefinition":{"key":3},"userConsent":{"consent":{"obtained":"yes","obtainedAt":"2022-07-20 17:20:35"}}})",
      {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FieldOf(r.status()), "userConsent.consent.obtainedAt");
}

TEST(WorkflowsTest, DefinitionsFollowDoc003) {
  for (int key :
       {1, 2, 3, 5, 6, 9, 16, 20, 32, 10005, 10010, 10011, 10013, 10014}) {
    EXPECT_NE(FindWorkflow(key), nullptr) << key;
  }
  EXPECT_EQ(FindWorkflow(4), nullptr);
  // FACEMAP is never an API credential.
  for (const auto& w : AllWorkflows()) {
    for (const auto& c : w.credentials) {
      if (c.category == "FACEMAP") {
        EXPECT_FALSE(AllowsChannel(c.channels, "API")) << w.key;
      }
    }
  }
  EXPECT_EQ(FindWorkflow(9)->credentials[1].channels,
            (std::vector<std::string>{"WEB", "SDK"}));
  EXPECT_TRUE(FindWorkflow(5)->update_only);
}

TEST(ProcessingTest, DirectivesNeedALabelTheWorkflowCanGive) {
  const WorkflowDef& wf2 = *FindWorkflow(2);
  auto d = ParseDirective("sandbox:reject:MRZ_CHECKSUM", "", wf2);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->capability, "dataChecks");
  EXPECT_FALSE(ParseDirective("sandbox:reject:NO_MATCH", "", wf2)
                   .ok());  // similarity only
  EXPECT_FALSE(ParseDirective("sandbox:explode", "", wf2).ok());
  EXPECT_EQ(ParseDirective("plain-ref", "sandbox:warning:REPEATED_FACE", wf2)
                ->capability,
            "imageChecks");
  EXPECT_EQ(ParseDirective("plain-ref", "", wf2)->kind, Directive::Kind::kPass);
}

TEST(ProcessingTest, RejectionPropagatesAlongDependencies) {
  const WorkflowDef& wf32 = *FindWorkflow(32);
  int n = 0;
  auto ids = [&n] { return "id-" + std::to_string(n++); };
  std::vector<CredentialView> creds = {
      {"id", "ID", true}, {"selfie", "SELFIE", true}, {"fm", "FACEMAP", false}};
  auto d = ParseDirective("sandbox:reject:imageChecks:FAKE", "", wf32);
  ASSERT_TRUE(d.ok());
  Outcome o = ComputeOutcome(wf32, creds, *d, ids);
  std::map<std::string, std::string> by_name;
  for (const auto& c : o.capabilities) by_name[c.name] = c.type + "/" + c.label;
  EXPECT_EQ(by_name["imageChecks"], "REJECTED/FAKE");
  EXPECT_EQ(by_name["extraction"], "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
  EXPECT_EQ(by_name["dataChecks"], "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
  EXPECT_EQ(by_name["watchlistScreening"],
            "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
  EXPECT_EQ(by_name["liveness"], "PASSED/OK");  // depends on usability only
  EXPECT_EQ(o.type, "REJECTED");
  EXPECT_EQ(o.risk_score, 100.0);
  // FACEMAP was not uploaded (API channel): it takes no part.
  for (const auto& c : o.capabilities) {
    for (const auto& [id, cat] : c.credentials) {
      EXPECT_NE(cat, "FACEMAP");
    }
  }
  std::vector<std::string> steps;
  for (const auto& s : o.steps) steps.push_back(s.name + "/" + s.type);
  EXPECT_EQ(steps, (std::vector<std::string>{"ID_IV/REJECTED",
                                             "SCREENING/NOT_EXECUTED"}));
}

TEST(RateLimiterTest, BucketRefillsWithTheClock) {
  jumio_gateway::testing::FakeClock clock;
  RateLimiter rl(&clock, true);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.Allow("k", {1, 3}));
  EXPECT_FALSE(rl.Allow("k", {1, 3}));
  EXPECT_TRUE(rl.Allow("other", {1, 3}));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(rl.Allow("k", {1, 3}));
  EXPECT_FALSE(rl.Allow("k", {1, 3}));
  rl.set_enabled(false);
  EXPECT_TRUE(rl.Allow("k", {1, 3}));
}

TEST(RateLimiterTest, RefusalTellsTheTimeToTheNextToken) {
  jumio_gateway::testing::FakeClock clock;
  RateLimiter rl(&clock, true);
  absl::Duration retry_after;
  EXPECT_TRUE(rl.Allow("k", {2, 1}, &retry_after));
  EXPECT_FALSE(rl.Allow("k", {2, 1}, &retry_after));
  EXPECT_EQ(retry_after, absl::Milliseconds(500));
  clock.Advance(absl::Milliseconds(200));
  EXPECT_FALSE(rl.Allow("k", {2, 1}, &retry_after));
  EXPECT_EQ(retry_after, absl::Milliseconds(300));
}

TEST(JournalTest, Redaction) {
  EXPECT_EQ(Journal::RedactHeader("authorization", "Bearer abc"),
            "Bearer <redacted>");
  EXPECT_EQ(Journal::RedactHeader("Authorization", "abc"), "<redacted>");
  EXPECT_EQ(Journal::RedactHeader("User-Agent", "x"), "x");
  EXPECT_EQ(
      Journal::RedactBody("application/x-www-form-urlencoded",
                          "grant_type=client_credentials&client_secret=s3cret"),
      "grant_type=client_credentials&client_secret=<redacted>");
  EXPECT_EQ(Journal::RedactBody("multipart/form-data; boundary=x", "binary"),
            "");
}

TEST(RouteTest, PrefixAndHostHeader) {
  auto r = ResolveRoute("127.0.0.1:1", "/emea-1/api/api/v1/accounts/a");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->region, "emea-1");
  EXPECT_EQ(r->host_kind, "api");
  EXPECT_EQ(r->path, "/api/v1/accounts/a");
  r = ResolveRoute("status.apac-1.jumio.ai", "/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->host_kind, "status");
  EXPECT_EQ(ResolveRoute("127.0.0.1", "/eu-9/api/x"), std::nullopt);
  EXPECT_EQ(ResolveRoute("example.com", "/api/v1/accounts"), std::nullopt);
  EXPECT_EQ(ResolveRoute("x", "/amer-1/status")->path, "/");
}

}  // namespace
}  // namespace jumio::sandbox
