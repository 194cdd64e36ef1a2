// The web host without HTTP or a browser: the journey's configuration, its
// uploads and finalize, and the errorCodes the pages end with (9200, 9210),
// on the sandbox's Service with a fake clock. The browser side is
// tests/e2e/web.
#include "sandbox/web.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "sandbox/service.h"
#include "server/http/message.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/fake_clock.h"

namespace jumio::sandbox {
namespace {

namespace http = jumio_gateway::http;

ServiceOptions WebOptions() {
  ServiceOptions options;
  options.public_base_url = "http://sandbox.test";
  options.processing_delay = absl::Seconds(1);
  return options;
}

class WebClientTest : public ::testing::Test {
 protected:
  WebClientTest()
      : ids_(11),
        auth_(&clock_, &ids_, "id", "secret", absl::Hours(1)),
        callbacks_(&clock_, absl::Seconds(1), &ids_),
        service_(WebOptions(), &clock_, &ids_, &auth_, &callbacks_) {}

  http::Response Send(const std::string& method, const std::string& host_kind,
                      const std::string& target, const std::string& body = "",
                      const std::string& content_type = "application/json") {
    http::Request req;
    req.method = method;
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string::npos)
      req.query = target.substr(target.find('?') + 1);
    req.body = body;
    req.headers = {{"Authorization", "Bearer " + auth_.Issue("emea-1")},
                   {"Content-Type", content_type}};
    http::Response res;
    service_.Handle(Route{"emea-1", host_kind, req.path}, req, res);
    return res;
  }

  // Creates an account with web settings; keeps its ids and web token.
  void Create(int key, const std::string& user_reference = "u") {
    http::Response res = Send(
        "POST", "account", "/api/v1/accounts",
        absl::StrCat(R"({"workflowDefinition":{"key":)", key,
                     R"(},"customerInternalReference":"cir","userReference":")",
                     user_reference,
                     R"(","web":{"successUrl":"https://shop.test/ok",)",
                     R"("errorUrl":"https://shop.test/ko","locale":"de"}})"));
    ASSERT_EQ(res.status, 200) << res.body;
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    account_ = d["account"]["id"].GetString();
    workflow_ = d["workflowExecution"]["id"].GetString();
    const std::string href = d["web"]["href"].GetString();
    ASSERT_TRUE(absl::StartsWith(
        href, "http://sandbox.test/emea-1/web/web/v4/app?authorizationToken="))
        << href;
    token_ =
        href.substr(href.find('=') + 1, href.find('&') - href.find('=') - 1);
  }

  // The JSON the journey page was given.
  rapidjson::Document Config(const std::string& token) {
    http::Response res =
        Send("GET", "web", "/web/v4/app?authorizationToken=" + token);
    EXPECT_EQ(res.status, 200);
    const size_t start = res.body.find("id=\"config\">");
    const size_t end = res.body.find("</script>", start);
    rapidjson::Document d;
    if (start == std::string::npos || end == std::string::npos) return d;
    const std::string json = res.body.substr(start + 12, end - start - 12);
    d.Parse(json.c_str());
    EXPECT_TRUE(d.IsObject()) << json;
    return d;
  }

  http::Response UploadPart(const std::string& credential,
                            const std::string& part, const std::string& bytes) {
    return Send("PUT", "web",
                absl::StrCat("/web/v4/api/credentials/", credential, "/parts/",
                             part, "?authorizationToken=", token_),
                absl::StrCat("--b0undary\r\nContent-Disposition: form-data; "
                             "name=\"file\"; filename=\"f\"\r\nContent-Type: "
                             "application/octet-stream\r\n\r\n",
                             bytes, "\r\n--b0undary--\r\n"),
                "multipart/form-data; boundary=b0undary");
  }

  http::Response Finish(const std::string& outcome) {
    return Send("PUT", "web",
                "/web/v4/api/finalize?authorizationToken=" + token_,
                absl::StrCat(R"({"outcome":")", outcome, R"("})"));
  }

  rapidjson::Document Details() {
    http::Response res = Send("GET", "retrieval",
                              absl::StrCat("/api/v1/accounts/", account_,
                                           "/workflow-executions/", workflow_));
    EXPECT_EQ(res.status, 200) << res.body;
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    return d;
  }

  jumio_gateway::testing::FakeClock clock_;
  IdSource ids_;
  Authenticator auth_;
  CallbackSender callbacks_;
  Service service_;
  std::string account_, workflow_, token_;
};

TEST_F(WebClientTest, JourneyListsTheDefinitionsPartsInOrderWithConsent) {
  Create(3);
  rapidjson::Document config = Config(token_);
  EXPECT_EQ(std::string(config["accountId"].GetString()), account_);
  EXPECT_EQ(std::string(config["workflowExecutionId"].GetString()), workflow_);
  EXPECT_EQ(std::string(config["customerInternalReference"].GetString()),
            "cir");
  EXPECT_EQ(std::string(config["successUrl"].GetString()),
            "https://shop.test/ok");
  EXPECT_EQ(std::string(config["errorUrl"].GetString()),
            "https://shop.test/ko");
  EXPECT_EQ(std::string(config["locale"].GetString()), "de");
  EXPECT_FALSE(config.HasMember("errorCode"));
  EXPECT_TRUE(config["consent"].GetBool());
  std::string steps;
  for (const auto& s : config["steps"].GetArray()) {
    absl::StrAppend(&steps, s["category"].GetString(), ":",
                    s["part"].GetString(), " ");
  }
  // No FACEMAP step: the web client captures it with the selfie.
  EXPECT_EQ(steps, "ID:FRONT ID:BACK SELFIE:FACE ");
}

TEST_F(WebClientTest, IdOnlyJourneyHasNoConsentStep) {
  Create(2);
  EXPECT_FALSE(Config(token_)["consent"].GetBool());
}

TEST_F(WebClientTest, UnknownTokenEndsWith9200) {
  Create(2);
  EXPECT_EQ(Config("0123abcd")["errorCode"].GetInt(), kWebTokenInvalid);
  token_ = "0123abcd";
  http::Response res = Finish("");
  EXPECT_EQ(res.status, 401);
  EXPECT_TRUE(absl::StrContains(res.body, "9200")) << res.body;
}

TEST_F(WebClientTest, ExpiredTokenEndsWith9200AndSessionTimeoutWith9210) {
  Create(2);
  clock_.Advance(absl::Minutes(31));
  EXPECT_EQ(Config(token_)["errorCode"].GetInt(), kWebTokenInvalid);

  Create(2);
  rapidjson::Document config = Config(token_);
  const std::string id = config["steps"][0]["credentialId"].GetString();
  ASSERT_EQ(UploadPart(id, "FRONT", testing::Png(800, 600)).status, 200);
  clock_.Advance(absl::Minutes(15));
  EXPECT_EQ(Config(token_)["errorCode"].GetInt(), kWebSessionExpired);
  http::Response res = UploadPart(id, "BACK", testing::Png(800, 600));
  EXPECT_EQ(res.status, 401);
  EXPECT_TRUE(absl::StrContains(res.body, "9210")) << res.body;
}

TEST_F(WebClientTest, UploadsAndChosenOutcomeProcessAsTheApiChannel) {
  Create(3);
  rapidjson::Document config = Config(token_);
  for (const auto& s : config["steps"].GetArray()) {
    http::Response res =
        UploadPart(s["credentialId"].GetString(), s["part"].GetString(),
                   testing::Png(800, 600));
    ASSERT_EQ(res.status, 200) << res.body;
  }
  // An unusable file is refused as over the API, naming the file.
  http::Response bad = UploadPart(
      config["steps"][0]["credentialId"].GetString(), "FRONT", "not an image");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(absl::StrContains(bad.body, "\"field\":\"file\"")) << bad.body;

  http::Response typo = Finish("sandbox:reject:NO_SUCH_LABEL");
  EXPECT_EQ(typo.status, 400);
  EXPECT_TRUE(absl::StrContains(typo.body, "\"field\":\"outcome\""))
      << typo.body;
  ASSERT_EQ(Finish("sandbox:reject:liveness:PHOTOCOPY").status, 200);
  clock_.Advance(absl::Seconds(1));
  service_.Tick();
  rapidjson::Document d = Details();
  EXPECT_EQ(std::string(d["workflow"]["status"].GetString()), "PROCESSED");
  EXPECT_EQ(std::string(d["decision"]["type"].GetString()), "REJECTED");
  bool facemap = false;
  for (const auto& c : d["credentials"].GetArray()) {
    facemap |= std::string(c["category"].GetString()) == "FACEMAP" &&
               !c["parts"].GetArray().Empty();
  }
  EXPECT_TRUE(facemap) << "the web channel stores the FACEMAP it captured";
  // The journey is over: its link ends at once.
  EXPECT_EQ(Config(token_)["errorCode"].GetInt(), kWebTokenInvalid);
}

TEST_F(WebClientTest, DemoPageFramesOnlyAPlainToken) {
  http::Response res =
      Send("GET", "web", "/demo/customer?authorizationToken=ab12&locale=en-GB");
  EXPECT_TRUE(absl::StrContains(
      res.body, "src=\"../web/v4/app?authorizationToken=ab12&locale=en-GB\""))
      << res.body;
  res = Send("GET", "web",
             "/demo/customer?authorizationToken=%22%3E%3Cscript%3E");
  EXPECT_FALSE(absl::StrContains(res.body, "<script>")) << res.body;
  EXPECT_TRUE(
      absl::StrContains(res.body, "src=\"../web/v4/app?authorizationToken=\""));
}

}  // namespace
}  // namespace jumio::sandbox
