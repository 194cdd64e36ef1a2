// The WEB channel end to end in a real browser (issue 15): the gateway creates
// an account, Debian's headless Chromium (journey.js, playwright-core) opens
// its web.href on the sandbox, goes through the journey and lands on the
// success or error URL; the callback arrives on WatchCallbacks and the
// decision in GetWorkflowExecution, as for the API channel. Each step's
// screenshot is kept in the test's undeclared outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::testing::RunfilePath;
using ::jumio::testing::Subprocess;
using ::jumio::testing::WaitFor;
using testing::Context;

std::string Get(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject() || !object.HasMember(name) ||
      !object[name].IsString()) {
    return "";
  }
  return object[name].GetString();
}

// A query parameter of the URL the journey landed on, "" when absent.
std::string Param(const rapidjson::Document& result, const char* name) {
  return result.HasMember("params") ? Get(result["params"], name) : "";
}

class WebJourneyTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    return CallbackReceiverArgs();
  }

  // The sandbox's landing page stands for the customer's success and error
  // pages.
  std::string Landing() const {
    return sandbox_url_ + "/emea-1/web/demo/landing";
  }

  // An account whose journey ends on Landing(), for the WEB channel.
  v1::CreateAccountResponse CreateWeb(int64_t key,
                                      const std::string& user_reference) {
    v1::CreateAccountRequest request;
    request.set_region(v1::REGION_EMEA_1);
    request.set_customer_internal_reference("order-1234");
    request.set_user_reference(user_reference);
    request.mutable_workflow_definition()->set_key(key);
    request.mutable_web()->set_success_url(Landing() + "?page=success");
    request.mutable_web()->set_error_url(Landing() + "?page=error");
    request.mutable_web()->set_locale("en");
    v1::CreateAccountResponse response;
    grpc::Status status =
        accounts_->CreateAccount(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(response.web_client().href().empty())
        << response.DebugString();
    return response;
  }

  // Runs journey.js for one scenario (see there) and returns its result.
  rapidjson::Document Drive(
      const std::string& name, const std::string& scenario,
      const std::string& url, const std::string& outcome = "",
      const std::map<std::string, std::string>& files = {}) {
    const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    for (const auto& [key, value] : std::map<std::string, std::string>{
             {"name", name},
             {"scenario", scenario},
             {"url", url},
             {"outcome", outcome},
             {"landing", Landing()},
             {"shots", outputs != nullptr ? outputs : dir_}}) {
      w.Key(key.c_str());
      w.String(value.c_str());
    }
    w.Key("files");
    w.StartObject();
    for (const auto& [part, path] : files) {
      w.Key(part.c_str());
      w.String(path.c_str());
    }
    w.EndObject();
    w.EndObject();
    const std::string scenario_file = dir_ + "/" + name + ".json";
    const std::string result_file = dir_ + "/" + name + ".result.json";
    std::ofstream(scenario_file) << buffer.GetString();
    Subprocess::Options options;
    options.port_file_flag = "";
    options.log_file = dir_ + "/" + name + ".log";
    auto node = Subprocess::Start(
        "/usr/bin/node",
        {RunfilePath("tests/e2e/web/journey.js"), scenario_file, result_file},
        options);
    rapidjson::Document result;
    EXPECT_TRUE(node.ok()) << node.status();
    if (!node.ok()) return result;
    // journey.js bounds each of its waits to 20 s.
    EXPECT_TRUE(
        WaitFor([&] { return !(*node)->Running(); }, absl::Seconds(120)));
    (*node)->Stop();
    std::stringstream text;
    text << std::ifstream(result_file).rdbuf() << "";
    std::stringstream log;
    log << std::ifstream(options.log_file).rdbuf() << "";
    result.Parse(text.str().c_str());
    EXPECT_TRUE(result.IsObject()) << "no result; node said: " << log.str();
    if (!result.IsObject()) result.SetObject();
    EXPECT_EQ(Get(result, "error"), "") << log.str();
    return result;
  }

  // The first callback of `account` on WatchCallbacks; with
  // `want_decision`, the first whose enrichment carries the decision (the
  // gateway attaches it when available; a replay may carry it).
  v1::Callback WaitForCallback(const std::string& account, bool want_decision) {
    auto stub = v1::CallbackFeedService::NewStub(channel_);
    v1::Callback received;
    WaitFor(
        [&] {
          v1::WatchCallbacksRequest watch;
          watch.set_start_position(v1::START_POSITION_EARLIEST);
          watch.mutable_filter()->add_accounts(account);
          auto context = Context(20);
          auto stream = stub->WatchCallbacks(context.get(), watch);
          v1::WatchCallbacksResponse message;
          while (stream->Read(&message)) {
            if (message.has_callback()) {
              received = message.callback();
              break;
            }
          }
          context->TryCancel();
          return !want_decision || received.enrichment().has_decision();
        },
        absl::Seconds(20));
    return received;
  }

  // An ID image file for the file inputs.
  std::string IdImage() {
    const std::string path = dir_ + "/id.jpg";
    std::ofstream(path, std::ios::binary)
        << ::jumio::sandbox::testing::Jpeg(1200, 800);
    return path;
  }
};

// Doc 002's redirect parameters for a journey of `created`.
void ExpectRedirect(const rapidjson::Document& result,
                    const v1::CreateAccountResponse& created,
                    const std::string& page, const std::string& status) {
  ASSERT_TRUE(result.HasMember("params")) << Get(result, "finalUrl");
  const rapidjson::Value& params = result["params"];
  EXPECT_EQ(Get(params, "page"), page) << Get(result, "finalUrl");
  EXPECT_EQ(Get(params, "acquisitionStatus"), status);
  EXPECT_EQ(Get(params, "accountId"), created.account_id());
  EXPECT_EQ(Get(params, "workflowExecutionId"),
            created.workflow_execution().id());
  EXPECT_EQ(Get(params, "customerInternalReference"), "order-1234");
}

TEST_F(WebJourneyTest, UploadsFinishOnSuccessUrlAndProcess) {
  // Workflow 3: ID front and back, the selfie (with its FACEMAP captured by
  // the web client) and the consent step for the biometric data.
  v1::CreateAccountResponse created = CreateWeb(3, "web-user");
  const std::string workflow = created.workflow_execution().name();
  rapidjson::Document result =
      Drive("processed", "journey", created.web_client().href(), "",
            {{"FRONT", IdImage()}, {"BACK", IdImage()}});
  std::vector<std::string> screens;
  if (result.HasMember("screens")) {
    for (const auto& s : result["screens"].GetArray())
      screens.push_back(s.GetString());
  }
  EXPECT_EQ(screens,
            (std::vector<std::string>{"consent", "part-FRONT", "part-BACK",
                                      "part-FACE", "finish"}));
  ExpectRedirect(result, created, "success", "SUCCESS");
  EXPECT_EQ(Param(result, "errorCode"), "");

  v1::Callback callback = WaitForCallback(created.account(), true);
  EXPECT_EQ(callback.workflow_execution().name(), workflow);
  EXPECT_EQ(callback.workflow_execution().raw_status(), "PROCESSED");
  EXPECT_EQ(callback.enrichment().decision().raw_type(), "PASSED");
  v1::WorkflowExecution details = Details(workflow);
  EXPECT_EQ(details.raw_status(), "PROCESSED");
  EXPECT_EQ(details.decision().raw_type(), "PASSED") << details.DebugString();
}

TEST_F(WebJourneyTest, ChosenRejectionLandsOnSuccessUrlAndIsRejected) {
  v1::CreateAccountResponse created = CreateWeb(2, "web-user");
  const std::string workflow = created.workflow_execution().name();
  rapidjson::Document result =
      Drive("rejected", "journey", created.web_client().href(),
            "sandbox:reject:imageChecks:MANIPULATED_DOCUMENT");
  // The acquisition itself succeeded; the decision is the verification's.
  ExpectRedirect(result, created, "success", "SUCCESS");

  v1::Callback callback = WaitForCallback(created.account(), true);
  EXPECT_EQ(callback.workflow_execution().raw_status(), "PROCESSED");
  EXPECT_EQ(callback.enrichment().decision().raw_type(), "REJECTED")
      << callback.DebugString();
  bool manipulated = false;
  for (const auto& c : callback.enrichment().capability_decisions()) {
    manipulated |= c.decision().raw_label() == "MANIPULATED_DOCUMENT";
  }
  EXPECT_TRUE(manipulated) << callback.DebugString();
  EXPECT_EQ(Details(workflow).decision().raw_type(), "REJECTED");
}

TEST_F(WebJourneyTest, ThreeUnusableUploadsLandOnErrorUrlWith9835) {
  v1::CreateAccountResponse created = CreateWeb(2, "web-user");
  rapidjson::Document result =
      Drive("unusable", "bad_uploads", created.web_client().href());
  ExpectRedirect(result, created, "error", "ERROR");
  EXPECT_EQ(Param(result, "errorCode"), "9835");
  // Nothing was acquired: the execution is still waiting for its journey.
  EXPECT_EQ(WaitForStatus(created.workflow_execution().name(), "INITIATED"),
            "INITIATED");
}

TEST_F(WebJourneyTest, ExpiredLinkLandsOnErrorUrlWith9200) {
  v1::CreateAccountResponse created = CreateWeb(2, "web-user");
  // Past the default token lifetime (30 min), with nothing uploaded.
  auto moved = http_.Send("POST", sandbox_url_ + "/_sandbox/clock",
                          "{\"advanceSeconds\": 1801}",
                          {{"Content-Type", "application/json"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  rapidjson::Document result =
      Drive("expired", "expired", created.web_client().href());
  ExpectRedirect(result, created, "error", "ERROR");
  EXPECT_EQ(Param(result, "errorCode"), "9200");
  EXPECT_EQ(WaitForCallback(created.account(), false)
                .workflow_execution()
                .raw_status(),
            "TOKEN_EXPIRED");
}

TEST_F(WebJourneyTest, DemoCustomerPageReceivesLoadedAndSuccessEvents) {
  v1::CreateAccountResponse created = CreateWeb(2, "web-user");
  const std::string href = created.web_client().href();
  const std::string token =
      href.substr(href.find("authorizationToken=") + 19, 64);
  rapidjson::Document result =
      Drive("demo", "demo",
            absl::StrCat(sandbox_url_,
                         "/emea-1/web/demo/customer?authorizationToken=", token,
                         "&locale=en"));
  std::vector<std::string> values;
  if (result.HasMember("events")) {
    for (const auto& e : result["events"].GetArray()) {
      EXPECT_TRUE(e.HasMember("eventType") && e["eventType"].IsInt() &&
                  e["eventType"].GetInt() == 510);
      EXPECT_EQ(Get(e, "accountId"), created.account_id());
      EXPECT_EQ(Get(e, "workflowExecutionId"),
                created.workflow_execution().id());
      EXPECT_EQ(Get(e, "authorizationToken"), token);
      EXPECT_EQ(Get(e, "customerInternalReference"), "order-1234");
      EXPECT_FALSE(Get(e, "dateTime").empty());
      values.push_back(e.HasMember("payload") ? Get(e["payload"], "value")
                                              : "");
    }
  }
  EXPECT_EQ(values, (std::vector<std::string>{"loaded", "success"}));
  ExpectRedirect(result, created, "success", "SUCCESS");
  EXPECT_EQ(WaitForCallback(created.account(), false)
                .workflow_execution()
                .raw_status(),
            "PROCESSED");
}

}  // namespace
}  // namespace jumio_gateway
