// Drives a real jumio-sandbox over HTTP through the documented KYX flows.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/loopback.h"

namespace jumio::sandbox::testing {
namespace {

constexpr char kRegion[] = "emea-1";

class SandboxApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // time_scale 600: the default 30 min tokenLifetime becomes 3 s, the 15 min
    // session 1.5 s.
    sandbox_ = new Sandbox({"--allow_http_callbacks", "--rate_limits=false",
                            "--processing_delay=50ms", "--time_scale=600",
                            "--token_ttl=600h", "--seed=42"});
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->error();
    token_ = sandbox_->Token(kRegion);
    ASSERT_FALSE(token_.empty());
  }
  Sandbox& sb() { return *sandbox_; }
  std::string Body(int key, const std::string& extra = "") {
    return absl::StrCat(
        R"({"customerInternalReference":"cir-1","workflowDefinition":{"key":)",
        key, "}", extra, "}");
  }
  // Creates, uploads the parts the API channel can take, finalizes and waits
  // for PROCESSED.
  rapidjson::Document RunWorkflow(int key, const std::string& extra = "") {
    auto c = sb().CreateAccount(kRegion, token_, Body(key, extra));
    EXPECT_EQ(c.status, 200) << c.body;
    for (const auto& cred : c.creds) {
      for (const auto& [name, url] : cred.parts) {
        if (name == "back") continue;
        auto r =
            name == "prepared_data"
                ? sb().http().Send(
                      "POST", url,
                      ReadTestdata("prepared_data_upload_request_10005.json"),
                      sb().JsonAuth(token_))
                : sb().Upload(url, token_, Jpeg(1200, 800));
        EXPECT_EQ(r.status, 200) << name << " " << r.body;
      }
    }
    EXPECT_EQ(sb().Finalize(kRegion, token_, c).status, 200);
    EXPECT_EQ(sb().WaitForStatus(kRegion, token_, c, "PROCESSED"), "PROCESSED");
    auto r = sb().Details(kRegion, token_, c);
    EXPECT_EQ(r.status, 200);
    return ParseJson(r.body);
  }
  static std::string Decision(const rapidjson::Value& d, const char* cap,
                              int i = 0) {
    if (!d["capabilities"].HasMember(cap)) return "<absent>";
    const auto& c = d["capabilities"][cap][i]["decision"];
    return absl::StrCat(c["type"].GetString(), "/",
                        c["details"]["label"].GetString());
  }
  static Sandbox* sandbox_;
  std::string token_;
};

Sandbox* SandboxApiTest::sandbox_ = nullptr;

TEST_F(SandboxApiTest, TokenResponseHasTheDocumentedShape) {
  auto r =
      sb().http().Send("POST", sb().Url(kRegion, "auth", "/oauth2/token"),
                       "grant_type=client_credentials&client_id=sandbox-client&"
                       "client_secret=sandbox-secret",
                       {{"Content-Type", "application/x-www-form-urlencoded"},
                        {"User-Agent", "t"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto sample = ParseJson(ReadTestdata("oauth2_token_response.json"));
  auto d = ParseJson(r.body);
  EXPECT_EQ(ShapeMismatch(sample, d), "");
  EXPECT_STREQ(d["token_type"].GetString(), "Bearer");
  EXPECT_GT(d["expires_in"].GetInt(), 0);
}

TEST_F(SandboxApiTest, TokenRejectsWrongSecretAndGrant) {
  auto r = sb().http().Send(
      "POST", sb().Url(kRegion, "auth", "/oauth2/token"),
      "grant_type=client_credentials",
      {{"Authorization", jumio::testing::BasicAuth("sandbox-client", "wrong")},
       {"Content-Type", "application/x-www-form-urlencoded"},
       {"User-Agent", "t"}});
  EXPECT_EQ(r.status, 401);
  r = sb().http().Send(
      "POST", sb().Url(kRegion, "auth", "/oauth2/token"), "grant_type=password",
      {{"Authorization",
        jumio::testing::BasicAuth("sandbox-client", "sandbox-secret")},
       {"Content-Type", "application/x-www-form-urlencoded"},
       {"User-Agent", "t"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(SandboxApiTest, AuthErrors) {
  const std::string url =
      sb().Url(kRegion, "retrieval", "/api/v1/accounts/nope");
  EXPECT_EQ(sb().http().Get(url, {{"User-Agent", "t"}}).status, 401);
  EXPECT_EQ(
      sb().http()
          .Get(url, {{"User-Agent", "t"}, {"Authorization", "Bearer bogus"}})
          .status,
      401);
  // No User-Agent: 403 even with a good token.
  EXPECT_EQ(
      sb().http()
          .Get(url, {{"Authorization", "Bearer " + token_}, {"User-Agent", ""}})
          .status,
      403);
  // A token from another region's auth host is forbidden here.
  const std::string amer = sb().Token("amer-1");
  EXPECT_EQ(sb().http().Get(url, sb().Auth(amer)).status, 403);
  // Basic auth with the API credentials is accepted (404: the account does not
  // exist).
  EXPECT_EQ(sb().http()
                .Get(url, {{"User-Agent", "t"},
                           {"Authorization",
                            jumio::testing::BasicAuth("sandbox-client",
                                                      "sandbox-secret")}})
                .status,
            404);
}

TEST_F(SandboxApiTest, SampleCreateRequestIsAcceptedAndResponseMatchesSample) {
  std::string body = ReadTestdata("account_create_request_wf2.json");
  body = absl::StrReplaceAll(
      body, {{"YOUR_CALLBACK_URL", "https://callback.example.com/jumio"},
             {"\"key\": 2,", "\"key\": 2,"}});
  // The sample response carries web.successUrl/errorUrl, which the request must
  // set.
  body = absl::StrReplaceAll(
      body,
      {{"\"userReference\"",
        R"("web":{"successUrl":"https://www.yourcompany.com/success","errorUrl":"https://www.yourcompany.com/error","locale":"es"},"userReference")"}});
  auto c = sb().CreateAccount(kRegion, token_, body);
  ASSERT_EQ(c.status, 200) << c.body;
  auto d = ParseJson(c.body);
  EXPECT_EQ(ShapeMismatch(
                ParseJson(ReadTestdata("account_update_response_wf2.json")), d),
            "");
  // Every URL points back at the sandbox under the region's api prefix.
  const auto* id = c.Find("ID");
  ASSERT_NE(id, nullptr);
  EXPECT_TRUE(absl::StartsWith(id->parts.at("front"),
                               sb().Url(kRegion, "api", "/api/v1/")));
}

TEST_F(SandboxApiTest, Workflow1CaptureAndStorage) {
  auto d = RunWorkflow(1);
  EXPECT_STREQ(d["decision"]["type"].GetString(), "PASSED");
  EXPECT_EQ(Decision(d, "usability"), "PASSED/OK");
  EXPECT_EQ(Decision(d, "extraction"), "PASSED/OK");
  EXPECT_EQ(Decision(d, "imageChecks"), "<absent>");
}

TEST_F(SandboxApiTest, Workflow2PassedDetailsStepsAndImages) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(c.status, 200);
  const std::string image = Jpeg(1000, 700);
  ASSERT_EQ(sb().Upload(c.Find("ID")->parts.at("front"), token_, image).status,
            200);
  ASSERT_EQ(sb().Finalize(kRegion, token_, c).status, 200);
  ASSERT_EQ(sb().WaitForStatus(kRegion, token_, c, "PROCESSED"), "PROCESSED");
  auto status = ParseJson(sb().Details(kRegion, token_, c, "/status").body);
  EXPECT_EQ(
      ShapeMismatch(ParseJson(ReadTestdata("retrieval_status_processed.json")),
                    status),
      "");
  auto d = ParseJson(sb().Details(kRegion, token_, c).body);
  EXPECT_STREQ(d["decision"]["type"].GetString(), "PASSED");
  EXPECT_EQ(d["decision"]["risk"]["score"].GetDouble(), 0.0);
  EXPECT_EQ(Decision(d, "dataChecks"), "PASSED/OK");
  EXPECT_STREQ(
      d["capabilities"]["extraction"][0]["data"]["firstName"].GetString(),
      "JANE");
  auto steps = ParseJson(sb().Details(kRegion, token_, c, "/steps").body);
  ASSERT_TRUE(steps["steps"].IsArray());
  ASSERT_EQ(steps["steps"].Size(), 1u);
  EXPECT_STREQ(steps["steps"][0]["name"].GetString(), "ID_IV");
  EXPECT_EQ(steps["steps"][0]["capabilityIds"].Size(), 4u);
  // The stored image comes back byte for byte with its content type.
  const std::string href = d["credentials"][0]["parts"][0]["href"].GetString();
  auto img = sb().http().Get(href, sb().Auth(token_));
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.header("content-type"), "image/jpeg");
  EXPECT_EQ(img.body, image);
}

TEST_F(SandboxApiTest, Workflow2RejectedImageChecksSkipsDependents) {
  auto d = RunWorkflow(2, R"(,"userReference":"sandbox:reject:DIGITAL_COPY")");
  EXPECT_STREQ(d["decision"]["type"].GetString(), "REJECTED");
  EXPECT_EQ(Decision(d, "usability"), "PASSED/OK");
  EXPECT_EQ(Decision(d, "imageChecks"), "REJECTED/DIGITAL_COPY");
  EXPECT_EQ(Decision(d, "extraction"),
            "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
  EXPECT_EQ(Decision(d, "dataChecks"),
            "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
}

TEST_F(SandboxApiTest, EveryDecisionTypeCanBeChosen) {
  auto d = RunWorkflow(
      2,
      R"(,"reportingCriteria":"r","userReference":"sandbox:reject:usability:BLURRED")");
  EXPECT_EQ(Decision(d, "usability"), "REJECTED/BLURRED");
  EXPECT_EQ(Decision(d, "imageChecks"),
            "NOT_EXECUTED/PRECONDITION_NOT_FULFILLED");
  d = RunWorkflow(2, R"(,"userReference":"sandbox:warning:DIFFERENT_PERSON")");
  EXPECT_STREQ(d["decision"]["type"].GetString(), "WARNING");
  EXPECT_EQ(Decision(d, "imageChecks"), "WARNING/DIFFERENT_PERSON");
  EXPECT_EQ(Decision(d, "extraction"), "PASSED/OK");
  d = RunWorkflow(2, R"(,"userReference":"sandbox:not_executed")");
  EXPECT_STREQ(d["decision"]["type"].GetString(), "NOT_EXECUTED");
  EXPECT_EQ(Decision(d, "usability"), "NOT_EXECUTED/TECHNICAL_ERROR");
}

TEST_F(SandboxApiTest, UnknownDirectiveLabelIsRejectedAtCreation) {
  auto c = sb().CreateAccount(
      kRegion, token_,
      Body(2, R"(,"userReference":"sandbox:reject:NO_SUCH_LABEL")"));
  EXPECT_EQ(c.status, 400);
  EXPECT_STREQ(ParseJson(c.body)["field"].GetString(), "userReference");
}

TEST_F(SandboxApiTest, Workflow3FacemapNeverOverApi) {
  auto c = sb().CreateAccount(kRegion, token_, Body(3));
  ASSERT_EQ(c.status, 200);
  const auto* facemap = c.Find("FACEMAP");
  ASSERT_NE(facemap, nullptr);
  EXPECT_TRUE(facemap->parts.empty());
  EXPECT_EQ(facemap->channels, (std::vector<std::string>{"WEB", "SDK"}));
  const std::string facemap_url = absl::StrReplaceAll(
      c.Find("SELFIE")->parts.at("face"),
      {{c.Find("SELFIE")->id, facemap->id}, {"/FACE", "/FACEMAP"}});
  auto r = sb().Upload(facemap_url, token_, Png(100, 100));
  EXPECT_EQ(r.status, 400);
  auto d = RunWorkflow(
      3, R"(,"userReference":"sandbox:reject:liveness:MULTIPLE_PEOPLE")");
  EXPECT_EQ(Decision(d, "liveness"), "REJECTED/MULTIPLE_PEOPLE");
  EXPECT_EQ(Decision(d, "similarity"), "PASSED/MATCH");
  EXPECT_EQ(Decision(d, "extraction"), "PASSED/OK");
}

TEST_F(SandboxApiTest, Workflow5ReusesIdOnFile) {
  auto first = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(first.status, 200);
  const std::string id_cred = first.Find("ID")->id;
  // Workflow 5 needs an existing account.
  EXPECT_EQ(sb().CreateAccount(kRegion, token_, Body(5)).status, 400);
  std::string body =
      ReadTestdata("account_update_request_wf5_existing_id_credential.json");
  body =
      absl::StrReplaceAll(body, {{"33333333-3333-3333-aaaaaaaaaaaa", id_cred}});
  auto c = sb().CreateAccount(kRegion, token_, body, first.account_id);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.Find("ID")->id, id_cred);
  EXPECT_TRUE(c.Find("ID")->channels.empty());
  const auto* selfie = c.Find("SELFIE");
  ASSERT_NE(selfie, nullptr);
  auto up = sb().Upload(selfie->parts.at("face"), token_, Png(640, 640));
  ASSERT_EQ(up.status, 200);
  EXPECT_EQ(ShapeMismatch(ParseJson(ReadTestdata(
                              "credential_part_upload_response_face_wf5.json")),
                          ParseJson(up.body)),
            "");
  ASSERT_EQ(sb().Finalize(kRegion, token_, c).status, 200);
  ASSERT_EQ(sb().WaitForStatus(kRegion, token_, c, "PROCESSED"), "PROCESSED");
  auto d = ParseJson(sb().Details(kRegion, token_, c).body);
  EXPECT_EQ(Decision(d, "similarity"), "PASSED/MATCH");
  // An id that is not on file is refused.
  body = absl::StrReplaceAll(
      ReadTestdata("account_update_request_wf5_existing_id_credential.json"),
      {{"33333333-3333-3333-aaaaaaaaaaaa", "not-on-file"}});
  EXPECT_EQ(sb().CreateAccount(kRegion, token_, body, first.account_id).status,
            400);
}

TEST_F(SandboxApiTest, Workflow6AndWorkflow32) {
  auto d = RunWorkflow(6);
  EXPECT_EQ(Decision(d, "liveness"), "PASSED/OK");
  d = RunWorkflow(32, R"(,"userReference":"sandbox:warning:ALERT")");
  EXPECT_EQ(Decision(d, "watchlistScreening"), "WARNING/ALERT");
  EXPECT_EQ(d["capabilities"]["watchlistScreening"][0]["data"]["searchResults"]
                .GetInt(),
            1);
  EXPECT_EQ(Decision(d, "liveness"), "PASSED/OK");
}

TEST_F(SandboxApiTest, Workflow20PairsFromRequest) {
  auto d = RunWorkflow(20);
  EXPECT_EQ(Decision(d, "similarity"), "PASSED/MATCH");
  auto c = sb().CreateAccount(
      kRegion, token_,
      R"({"workflowDefinition":{"key":20,"credentials":[{"category":"SELFIE"},{"category":"SELFIE"}]}})");
  ASSERT_EQ(c.status, 200) << c.body;
  ASSERT_NE(c.Find("SELFIE", 1), nullptr);
  EXPECT_EQ(c.Find("SELFIE", 1)->channels, std::vector<std::string>{"API"});
  d = RunWorkflow(20, R"(,"userReference":"sandbox:reject:NO_MATCH")");
  EXPECT_EQ(Decision(d, "similarity"), "REJECTED/NO_MATCH");
  EXPECT_STREQ(
      d["capabilities"]["similarity"][0]["data"]["similarity"].GetString(),
      "NOT_MATCH");
}

TEST_F(SandboxApiTest, PreparedDataWorkflows) {
  auto c = sb().CreateAccount(kRegion, token_, Body(10005));
  ASSERT_EQ(c.status, 200);
  const auto* data = c.Find("DATA");
  ASSERT_NE(data, nullptr);
  auto up =
      sb().http().Send("POST", data->parts.at("prepared_data"),
                       ReadTestdata("prepared_data_upload_request_10005.json"),
                       sb().JsonAuth(token_));
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(ShapeMismatch(
                ParseJson(ReadTestdata("prepared_data_upload_response.json")),
                ParseJson(up.body)),
            "");
  auto bad = sb().http().Send("PUT", data->parts.at("prepared_data"), "[1,2",
                              sb().JsonAuth(token_));
  EXPECT_EQ(bad.status, 400);
  auto d = RunWorkflow(10010, R"(,"userReference":"USER_REFERENCE")");
  EXPECT_EQ(
      ShapeMismatch(ParseJson(ReadTestdata("retrieval_workflow_details_10010_"
                                           "screening_data_credential.json")),
                    d),
      "");
  EXPECT_EQ(Decision(d, "watchlistScreening"), "PASSED/OK");
}

TEST_F(SandboxApiTest, MissingUploadsAreNotExecuted) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(sb().Finalize(kRegion, token_, c).status, 200);
  ASSERT_EQ(sb().WaitForStatus(kRegion, token_, c, "PROCESSED"), "PROCESSED");
  auto d = ParseJson(sb().Details(kRegion, token_, c).body);
  EXPECT_EQ(Decision(d, "usability"), "NOT_EXECUTED/NOT_UPLOADED");
  EXPECT_STREQ(d["decision"]["type"].GetString(), "NOT_EXECUTED");
}

TEST_F(SandboxApiTest, ValidationNamesTheField) {
  struct Case {
    std::string body, field;
  };
  const std::string key = R"("workflowDefinition":{"key":2})";
  const std::vector<Case> cases = {
      {"{}", "workflowDefinition"},
      {R"({"workflowDefinition":{}})", "workflowDefinition.key"},
      {R"({"workflowDefinition":{"key":777}})", "workflowDefinition.key"},
      {absl::StrCat(R"({"customerInternalReference":")", std::string(101, 'x'),
                    "\",", key, "}"),
       "customerInternalReference"},
      {absl::StrCat(R"({"userReference":")", std::string(101, 'x'), "\",", key,
                    "}"),
       "userReference"},
      {absl::StrCat(R"({"reportingCriteria":")", std::string(256, 'x'), "\",",
                    key, "}"),
       "reportingCriteria"},
      {absl::StrCat(R"({"callbackUrl":"http://example.com/cb",)", key, "}"),
       "callbackUrl"},
      {absl::StrCat(R"({"callbackUrl":"https://10.0.0.1/cb",)", key, "}"),
       "callbackUrl"},
      {absl::StrCat(R"({"callbackUrl":"https://example.com:8443/cb",)", key,
                    "}"),
       "callbackUrl"},
      {absl::StrCat(R"({"tokenLifetime":"4m",)", key, "}"), "tokenLifetime"},
      {absl::StrCat(R"({"tokenLifetime":"61d",)", key, "}"), "tokenLifetime"},
      {absl::StrCat(R"({"web":{"locale":"en-GBXX"},)", key, "}"), "web.locale"},
      {absl::StrCat(R"({"web":{"successUrl":")", std::string(256, 'x'), "\"},",
                    key, "}"),
       "web.successUrl"},
      {absl::StrCat(R"({"userConsent":{"userLocation":{"country":"US"}},)", key,
                    "}"),
       "userConsent.userLocation.country"},
      {absl::StrCat(R"({"userConsent":{"userLocation":{"country":"USA"}},)",
                    key, "}"),
       "userConsent.consent.obtained"},
      {absl::StrCat(R"({"userConsent":{"consent":{"obtained":"yes"}},)", key,
                    "}"),
       "userConsent.consent.obtainedAt"},
      {absl::StrCat(R"({"userConsent":{"consent":{"obtained":"maybe"}},)", key,
                    "}"),
       "userConsent.consent.obtained"},
      {R"({"workflowDefinition":{"key":2,"credentials":[{"category":"HAT"}]}})",
       "workflowDefinition.credentials[0].category"},
      {R"({"workflowDefinition":{"key":2,"credentials":[{"category":"ID","country":{"values":["usa"]}}]}})",
       "workflowDefinition.credentials[0].country.values"},
      {R"({"workflowDefinition":{"key":2,"credentials":[{"category":"ID","type":{"values":["SCROLL"]}}]}})",
       "workflowDefinition.credentials[0].type.values"},
      {R"({"workflowDefinition":{"key":2,"credentials":[{"category":"SELFIE"}]}})",
       "workflowDefinition.credentials[0].category"},
      {"{\"userReference\":\"\xff\xfe\"," + key + "}", "body"},
  };
  for (const auto& c : cases) {
    auto r = sb().http().Send("POST",
                              sb().Url(kRegion, "account", "/api/v1/accounts"),
                              c.body, sb().JsonAuth(token_));
    EXPECT_EQ(r.status, 400) << c.body;
    auto d = ParseJson(r.body);
    ASSERT_TRUE(d.IsObject()) << r.body;
    EXPECT_EQ(d["status"].GetInt(), 400);
    EXPECT_EQ(std::string(d["field"].GetString()), c.field)
        << c.body << " -> " << r.body;
  }
  // Limits are inclusive.
  auto ok = sb().CreateAccount(
      kRegion, token_,
      absl::StrCat(R"({"tokenLifetime":"60d","userReference":")",
                   std::string(100, 'x'), "\",", key, "}"));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(SandboxApiTest, UploadRules) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  const std::string front = c.Find("ID")->parts.at("front");
  EXPECT_EQ(sb().Upload(front, token_, "GIF89a not an image").status, 400);
  EXPECT_EQ(sb().Upload(front, token_, Png(8001, 10)).status, 400);
  EXPECT_EQ(sb().Upload(front, token_, Jpeg(10, 8001)).status, 400);
  std::string big = Png(100, 100);
  big.resize(5 * 1024 * 1024 + 1, 'x');
  EXPECT_EQ(sb().Upload(front, token_, big).status, 400);
  // Not multipart.
  EXPECT_EQ(sb().http()
                .Send("POST", front, Png(10, 10), sb().JsonAuth(token_))
                .status,
            400);
  // POST adds, a second POST is refused, PUT replaces.
  EXPECT_EQ(sb().Upload(front, token_, Png(8000, 8000)).status, 200);
  EXPECT_EQ(sb().Upload(front, token_, Png(100, 100)).status, 400);
  EXPECT_EQ(sb().Upload(front, token_, Jpeg(300, 300), "PUT").status, 200);
  // The credential's own api.token authorises uploads to its workflow
  // execution.
  EXPECT_EQ(sb().Upload(c.Find("ID")->parts.at("back"), c.Find("ID")->token,
                        Png(20, 20))
                .status,
            200);
  ASSERT_EQ(sb().Finalize(kRegion, token_, c).status, 200);
  EXPECT_EQ(sb().Finalize(kRegion, token_, c).status, 400);
  EXPECT_EQ(sb().Upload(front, token_, Png(100, 100), "PUT").status, 400);
  ASSERT_EQ(sb().WaitForStatus(kRegion, token_, c, "PROCESSED"), "PROCESSED");
  auto img = sb().http().Get(
      sb().Url(kRegion, "retrieval",
               "/api/v1/accounts/" + c.account_id + "/credentials/" +
                   c.Find("ID")->id + "/parts/FRONT"),
      sb().Auth(token_));
  EXPECT_EQ(img.header("content-type"), "image/jpeg");  // replaced by the PUT
}

TEST_F(SandboxApiTest, TokenAndSessionExpiry) {
  // tokenLifetime 5m / 600 = 0.5 s without an upload: TOKEN_EXPIRED.
  auto c =
      sb().CreateAccount(kRegion, token_, Body(2, R"(,"tokenLifetime":"5m")"));
  EXPECT_EQ(sb().WaitForStatus(kRegion, token_, c, "TOKEN_EXPIRED"),
            "TOKEN_EXPIRED");
  EXPECT_EQ(
      sb().Upload(c.Find("ID")->parts.at("front"), token_, Png(10, 10)).status,
      400);
  // After an upload the 15 min session (1.5 s here) applies: SESSION_EXPIRED.
  c = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(
      sb().Upload(c.Find("ID")->parts.at("front"), token_, Png(10, 10)).status,
      200);
  EXPECT_EQ(sb().WaitForStatus(kRegion, token_, c, "SESSION_EXPIRED"),
            "SESSION_EXPIRED");
  EXPECT_EQ(sb().Finalize(kRegion, token_, c).status, 400);
  // The caller can also ask for expiry directly.
  c = sb().CreateAccount(kRegion, token_,
                         Body(2, R"(,"userReference":"sandbox:expire")"));
  EXPECT_EQ(sb().WaitForStatus(kRegion, token_, c, "TOKEN_EXPIRED"),
            "TOKEN_EXPIRED");
}

class CallbackReceiver {
 public:
  CallbackReceiver() {
    server_.Post("/cb",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   absl::MutexLock lock(&mu_);
                   bodies_.push_back(req.body);
                   res.status = 200;
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~CallbackReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/cb");
  }
  std::vector<std::string> bodies() {
    absl::MutexLock lock(&mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> bodies_;
};

TEST_F(SandboxApiTest, CallbacksArePostedWhenWorkflowsEnd) {
  CallbackReceiver receiver;
  const std::string extra = absl::StrCat(R"(,"callbackUrl":")", receiver.url(),
                                         R"(","userReference":"u-1")");
  auto d = RunWorkflow(2, extra);
  ASSERT_TRUE(jumio::testing::WaitFor(
      [&] { return receiver.bodies().size() == 1; }, absl::Seconds(10)));
  auto cb = ParseJson(receiver.bodies()[0]);
  EXPECT_EQ(
      ShapeMismatch(ParseJson(ReadTestdata("callback_kyx_processed.json")), cb),
      "");
  EXPECT_STREQ(cb["workflowExecution"]["status"].GetString(), "PROCESSED");
  EXPECT_STREQ(cb["workflowExecution"]["definitionKey"].GetString(), "2");
  EXPECT_STREQ(cb["userReference"].GetString(), "u-1");
  // The href leads to the details over retrieval.
  auto r = sb().http().Get(cb["workflowExecution"]["href"].GetString(),
                           sb().Auth(token_));
  EXPECT_EQ(r.status, 200);
  // Expiry also ends a workflow and is reported.
  auto c = sb().CreateAccount(
      kRegion, token_,
      Body(2, absl::StrCat(R"(,"callbackUrl":")", receiver.url(),
                           R"(","tokenLifetime":"5m")")));
  ASSERT_EQ(c.status, 200);
  ASSERT_TRUE(jumio::testing::WaitFor(
      [&] { return receiver.bodies().size() == 2; }, absl::Seconds(10)));
  EXPECT_STREQ(ParseJson(receiver.bodies()[1])["workflowExecution"]["status"]
                   .GetString(),
               "TOKEN_EXPIRED");
}

TEST_F(SandboxApiTest, RegionIsolationAndHostHeaderAddressing) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(c.status, 200);
  const std::string path = "/api/v1/accounts/" + c.account_id;
  EXPECT_EQ(sb().http()
                .Get(sb().Url(kRegion, "retrieval", path), sb().Auth(token_))
                .status,
            200);
  const std::string amer = sb().Token("amer-1");
  EXPECT_EQ(sb().http()
                .Get(sb().Url("amer-1", "retrieval", path), sb().Auth(amer))
                .status,
            404);
  Headers h = sb().Auth(token_);
  h.emplace_back("Host", "retrieval.emea-1.jumio.ai");
  EXPECT_EQ(sb().http()
                .Get(absl::StrCat("http://127.0.0.1:", sb().port(), path), h)
                .status,
            200);
}

TEST_F(SandboxApiTest, DeleteWorkflowThenAccount) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  auto c2 = sb().CreateAccount(kRegion, token_, Body(1), c.account_id);
  ASSERT_EQ(c2.status, 200);
  const std::string acct =
      sb().Url(kRegion, "retrieval", "/api/v1/accounts/" + c.account_id);
  EXPECT_EQ(sb().http()
                .Delete(acct + "/workflow-executions/" + c.workflow_id,
                        sb().Auth(token_))
                .status,
            200);
  EXPECT_EQ(sb().Details(kRegion, token_, c, "/status").status, 404);
  EXPECT_EQ(sb().Details(kRegion, token_, c2, "/status").status, 200);
  EXPECT_EQ(sb().http().Delete(acct, sb().Auth(token_)).status, 200);
  EXPECT_EQ(sb().http().Get(acct, sb().Auth(token_)).status, 404);
  EXPECT_EQ(sb().Details(kRegion, token_, c2, "/status").status, 404);
  EXPECT_EQ(sb().http().Delete(acct, sb().Auth(token_)).status, 404);
}

TEST_F(SandboxApiTest, StatusApiPerRegion) {
  auto r =
      sb().http().Get(sb().Url("apac-1", "status", ""), {{"User-Agent", "t"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ShapeMismatch(ParseJson(ReadTestdata("health_status_up.json")),
                          ParseJson(r.body)),
            "");
  ASSERT_EQ(sb().http()
                .Send("PUT", sb().Control("status/apac-1"),
                      R"({"status":"DOWN","details":{"api":"DOWN"}})")
                .status,
            200);
  EXPECT_STREQ(ParseJson(sb().http()
                             .Get(sb().Url("apac-1", "status", "/"),
                                  {{"User-Agent", "t"}})
                             .body)["status"]
                   .GetString(),
               "DOWN");
  EXPECT_STREQ(ParseJson(sb().http()
                             .Get(sb().Url("amer-1", "status", "/"),
                                  {{"User-Agent", "t"}})
                             .body)["status"]
                   .GetString(),
               "UP");
  sb().http().Send("PUT", sb().Control("status/apac-1"), R"({"status":"UP"})");
}

TEST_F(SandboxApiTest, FaultsAreInjectedPerRegionAndHostKind) {
  const std::string url = sb().Url("apac-1", "status", "/");
  const Headers ua = {{"User-Agent", "t"}};
  auto put = [&](const std::string& spec) {
    ASSERT_EQ(sb().http().Send("PUT", sb().Control("faults"), spec).status,
              200);
  };
  put(R"({"region":"apac-1","hostKind":"status","errorRate":1,"errorStatus":502,"remaining":1})");
  EXPECT_EQ(sb().http().Get(sb().Url("amer-1", "status", "/"), ua).status, 200);
  EXPECT_EQ(sb().http().Get(url, ua).status, 502);
  EXPECT_EQ(sb().http().Get(url, ua).status, 200);  // remaining: 1 retired it
  put(R"({"hostKind":"status","rate429":1,"retryAfterSeconds":7,"remaining":1})");
  auto r = sb().http().Get(url, ua);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "7");
  EXPECT_EQ(ShapeMismatch(ParseJson(ReadTestdata("error_429_rate_limit.json")),
                          ParseJson(r.body)),
            "");
  put(R"({"hostKind":"status","malformedRate":1,"remaining":1})");
  r = sb().http().Get(url, ua);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(ParseJson(r.body).HasParseError());
  put(R"({"hostKind":"status","dropRate":1,"remaining":1})");
  r = sb().http().Get(url, ua);
  EXPECT_EQ(r.status == 0 || r.body.size() < 15, true)
      << r.status << " " << r.body;
  put(R"({"hostKind":"status","latencyMs":150,"remaining":1})");
  const absl::Time start = absl::Now();
  EXPECT_EQ(sb().http().Get(url, ua).status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  EXPECT_EQ(
      sb().http().Send("PUT", sb().Control("faults"), R"({"bogus":1})").status,
      400);
  EXPECT_EQ(sb().http().Delete(sb().Control("faults")).status, 200);
  EXPECT_EQ(sb().http().Get(url, ua).status, 200);
}

TEST_F(SandboxApiTest, JournalRecordsRequestsWithoutSecrets) {
  ASSERT_EQ(sb().http().Delete(sb().Control("journal")).status, 200);
  const std::string t = sb().Token("apac-1");
  sb().http().Get(sb().Url("apac-1", "retrieval", "/api/v1/accounts/x"),
                  sb().Auth(t));
  auto j =
      ParseJson(sb().http().Get(sb().Control("journal?region=apac-1")).body);
  ASSERT_EQ(j["entries"].Size(), 2u);
  const auto& token_call = j["entries"][0];
  EXPECT_STREQ(token_call["hostKind"].GetString(), "auth");
  EXPECT_STREQ(token_call["path"].GetString(), "/oauth2/token");
  EXPECT_STREQ(token_call["headers"]["Authorization"].GetString(),
               "Basic <redacted>");
  const auto& get = j["entries"][1];
  EXPECT_STREQ(get["method"].GetString(), "GET");
  EXPECT_EQ(get["status"].GetInt(), 404);
  EXPECT_STREQ(get["headers"]["Authorization"].GetString(),
               "Bearer <redacted>");
  const std::string raw = sb().http().Get(sb().Control("journal")).body;
  EXPECT_FALSE(absl::StrContains(raw, t));
  EXPECT_FALSE(absl::StrContains(raw, "sandbox-secret"));
  j = ParseJson(
      sb().http()
          .Get(sb().Control("journal?region=apac-1&hostKind=retrieval"))
          .body);
  EXPECT_EQ(j["entries"].Size(), 1u);
}

// Sends raw bytes on a fresh connection and returns what came back.
std::string RawExchange(int port, const std::string& bytes) {
  const int fd = ::jumio::testing::ConnectLoopback(port);
  if (fd < 0) return "<connect failed>";
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  (void)::jumio::testing::SendAll(fd, bytes);
  shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fd);
  return out;
}

TEST_F(SandboxApiTest, BadInputGets4xxAndStateSurvives) {
  auto c = sb().CreateAccount(kRegion, token_, Body(2));
  ASSERT_EQ(c.status, 200);
  std::string garbage;
  for (int i = 0; i < 2048; ++i)
    garbage.push_back(static_cast<char>((i * 7919) & 0xff));
  std::string out = RawExchange(sb().port(), garbage);
  EXPECT_TRUE(out.empty() || absl::StartsWith(out, "HTTP/1.1 4"))
      << out.substr(0, 40);
  out = RawExchange(
      sb().port(),
      "GET /emea-1/status HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nX-Big: " +
          std::string(100000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(out.empty() || absl::StartsWith(out, "HTTP/1.1 4"))
      << out.substr(0, 40);
  const std::string front_path = c.Find("ID")->parts.at("front").substr(
      absl::StrCat("http://127.0.0.1:", sb().port()).size());
  const std::string truncated_body =
      "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"a.png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG";
  // A complete request whose multipart body stops before its closing boundary.
  auto truncated = sb().http().Send(
      "POST", absl::StrCat("http://127.0.0.1:", sb().port(), front_path),
      truncated_body,
      {{"Authorization", "Bearer " + token_},
       {"User-Agent", "t"},
       {"Content-Type", "multipart/form-data; boundary=XYZ"}});
  EXPECT_EQ(truncated.status, 400) << truncated.error;
  auto r =
      sb().http().Send("POST", sb().Url(kRegion, "account", "/api/v1/accounts"),
                       "{\"workflowDefinition\":", sb().JsonAuth(token_));
  EXPECT_EQ(r.status, 400);
  r = sb().http().Get(
      sb().Url(kRegion, "retrieval", "/api/v1/accounts/%ff%fe/\xc3\x28"),
      sb().Auth(token_));
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  EXPECT_EQ(sb().Details(kRegion, token_, c, "/status").status, 200);
}

}  // namespace
}  // namespace jumio::sandbox::testing
