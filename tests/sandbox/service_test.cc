// The sandbox's Jumio API without HTTP or a ticker thread: time moves only
// when the test moves it, so processing and expiry are checked at the
// instants Jumio's rules name, without waiting.
#include "sandbox/service.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "server/http/message.h"
#include "tests/testing/fake_clock.h"

namespace jumio::sandbox {
namespace {

namespace http = jumio_gateway::http;

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest()
      : ids_(7),
        auth_(&clock_, &ids_, "id", "secret", absl::Hours(24)),
        callbacks_(&clock_, absl::Seconds(1), &ids_),
        service_(Options(), &clock_, &ids_, &auth_, &callbacks_),
        token_(auth_.Issue("emea-1")) {}

  static ServiceOptions Options() {
    ServiceOptions options;
    options.public_base_url = "http://sandbox.test";
    options.processing_delay = absl::Seconds(2);
    return options;
  }

  http::Response Call(const std::string& method, const std::string& host_kind,
                      const std::string& path, const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.headers = {{"Authorization", "Bearer " + token_},
                   {"Content-Type", "application/json"}};
    http::Response res;
    service_.Handle(Route{"emea-1", host_kind, path}, req, res);
    return res;
  }

  // Creates an account for workflow 2 (ID only) and returns "A/W".
  std::string Create(const std::string& token_lifetime) {
    http::Response res =
        Call("POST", "account", "/api/v1/accounts",
             R"({"workflowDefinition":{"key":2},"tokenLifetime":")" +
                 token_lifetime + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    return std::string(d["account"]["id"].GetString()) + "/" +
           d["workflowExecution"]["id"].GetString();
  }

  std::string Status(const std::string& account_workflow) {
    const std::string account =
        account_workflow.substr(0, account_workflow.find('/'));
    const std::string workflow =
        account_workflow.substr(account_workflow.find('/') + 1);
    http::Response res =
        Call("GET", "retrieval",
             "/api/v1/accounts/" + account + "/workflow-executions/" +
                 workflow + "/status");
    EXPECT_EQ(res.status, 200) << res.body;
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    return d["workflowExecution"]["status"].GetString();
  }

  jumio_gateway::testing::FakeClock clock_;
  IdSource ids_;
  Authenticator auth_;
  CallbackSender callbacks_;
  Service service_;
  std::string token_;
};

TEST_F(ServiceTest, FinalizedExecutionIsProcessedWhenItsDelayHasPassed) {
  const std::string aw = Create("30m");
  const std::string path = "/api/v1/accounts/" + aw.substr(0, aw.find('/')) +
                           "/workflow-executions/" +
                           aw.substr(aw.find('/') + 1);
  http::Response res = Call("PUT", "api", path);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Status(aw), "ACQUIRED");

  clock_.Advance(absl::Seconds(2) - absl::Milliseconds(1));
  service_.Tick();
  EXPECT_EQ(Status(aw), "ACQUIRED");
  clock_.Advance(absl::Milliseconds(1));
  service_.Tick();
  EXPECT_EQ(Status(aw), "PROCESSED");

  res = Call("PUT", "api", path);
  EXPECT_EQ(res.status, 400);
  EXPECT_TRUE(absl::StrContains(res.body, "already PROCESSED")) << res.body;
}

TEST_F(ServiceTest, UnfinishedExecutionExpiresWithItsToken) {
  const std::string aw = Create("30m");
  clock_.Advance(absl::Minutes(30) - absl::Seconds(1));
  service_.Tick();
  EXPECT_EQ(Status(aw), "INITIATED");
  clock_.Advance(absl::Seconds(1));
  // Retrieval expires lazily too: no Tick needed to see it.
  EXPECT_EQ(Status(aw), "TOKEN_EXPIRED");
}

TEST_F(ServiceTest, DeletedAccountIsGoneEverywhere) {
  const std::string aw = Create("30m");
  const std::string account = "/api/v1/accounts/" + aw.substr(0, aw.find('/'));
  EXPECT_EQ(Call("GET", "retrieval", account).status, 200);
  EXPECT_EQ(Call("DELETE", "retrieval", account).status, 200);
  EXPECT_EQ(Call("GET", "retrieval", account).status, 404);
  EXPECT_EQ(Call("DELETE", "retrieval", account).status, 404);
  http::Response res =
      Call("PUT", "api",
           account + "/workflow-executions/" + aw.substr(aw.find('/') + 1));
  EXPECT_EQ(res.status, 404) << res.body;
}

}  // namespace
}  // namespace jumio::sandbox
