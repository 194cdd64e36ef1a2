// Rate limits, OAuth2 token expiry (driven through the control clock) and clean
// shutdown, each on its own sandbox process so that they do not disturb the
// flow tests.
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio::sandbox::testing {
namespace {

// The account limit is a flag (tests raise it to run a 1/s scenario
// faster); a 429 of the rate limiter says when the next request can pass.
TEST(SandboxLimitsTest, AccountLimitIsConfigurableAndTellsRetryAfter) {
  Sandbox sb({"--rate_limits=true", "--account_rate=0.5", "--account_burst=1"});
  ASSERT_TRUE(sb.ok()) << sb.error();
  const std::string token = sb.Token("emea-1");
  ASSERT_FALSE(token.empty());
  auto create = [&] {
    return sb.http().Send(
        "POST", sb.Url("emea-1", "account", "/api/v1/accounts"),
        R"({"workflowDefinition":{"key":2}})", sb.JsonAuth(token));
  };
  EXPECT_EQ(create().status, 200);
  auto refused = create();
  ASSERT_EQ(refused.status, 429) << refused.body;
  // 0.5/s: the next token is (just under) 2 s away, rounded up.
  EXPECT_EQ(refused.headers["retry-after"], "2");
  // Another region has a bucket of its own.
  const std::string amer = sb.Token("amer-1");
  EXPECT_EQ(
      sb.CreateAccount("amer-1", amer, R"({"workflowDefinition":{"key":2}})")
          .status,
      200);
}

TEST(SandboxLimitsTest, RateLimitsAnswer429WithTheDocumentedBody) {
  Sandbox sb({"--rate_limits=true"});
  ASSERT_TRUE(sb.ok()) << sb.error();
  // Token endpoint: 10/s. A burst of 30 back-to-back requests must see some
  // 429s.
  int limited = 0;
  std::string body429;
  for (int i = 0; i < 30; ++i) {
    auto r = sb.http().Send(
        "POST", sb.Url("emea-1", "auth", "/oauth2/token"),
        "grant_type=client_credentials",
        {{"Authorization",
          jumio::testing::BasicAuth("sandbox-client", "sandbox-secret")},
         {"Content-Type", "application/x-www-form-urlencoded"},
         {"User-Agent", "t"}});
    if (r.status == 429) {
      ++limited;
      body429 = r.body;
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(ShapeMismatch(ParseJson(ReadTestdata("error_429_rate_limit.json")),
                          ParseJson(body429)),
            "");
  // Another region has its own budget.
  const std::string token = sb.Token("amer-1");
  ASSERT_FALSE(token.empty());
  // Account create: 1/s with a burst of 3.
  int created = 0, refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto c = sb.CreateAccount("amer-1", token,
                              R"({"workflowDefinition":{"key":2}})");
    (c.status == 200 ? created : refused) += 1;
    if (c.status != 200) {
      EXPECT_EQ(c.status, 429);
    }
  }
  EXPECT_LE(created, 4);
  EXPECT_GE(refused, 2);
  // Retrieval: 15/s.
  limited = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = sb.http().Get(sb.Url("amer-1", "retrieval", "/api/v1/accounts/x"),
                           sb.Auth(token));
    if (r.status == 429) ++limited;
  }
  EXPECT_GT(limited, 0);
  // Off at run time through the control endpoint.
  ASSERT_EQ(sb.http()
                .Send("PUT", sb.Control("ratelimits"), R"({"enabled":false})")
                .status,
            200);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(sb.http()
                  .Get(sb.Url("amer-1", "retrieval", "/api/v1/accounts/x"),
                       sb.Auth(token))
                  .status,
              404);
  }
}

TEST(SandboxLimitsTest, AccessTokensExpire) {
  Sandbox sb({"--rate_limits=false", "--token_ttl=60s"});
  ASSERT_TRUE(sb.ok()) << sb.error();
  const std::string token = sb.Token("apac-1");
  const std::string url = sb.Url("apac-1", "retrieval", "/api/v1/accounts/x");
  EXPECT_EQ(sb.http().Get(url, sb.Auth(token)).status, 404);
  ASSERT_EQ(sb.http()
                .Send("POST", sb.Control("clock"), R"({"advanceSeconds":61})")
                .status,
            200);
  auto r = sb.http().Get(url, sb.Auth(token));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ParseJson(r.body)["status"].GetInt(), 401);
  EXPECT_EQ(sb.http().Get(url, sb.Auth(sb.Token("apac-1"))).status, 404);
}

TEST(SandboxLimitsTest, ExitsCleanlyOnSigterm) {
  auto proc = jumio::testing::Subprocess::Start(
      jumio::testing::RunfilePath("sandbox/jumio-sandbox"),
      {"--rate_limits=false"});
  ASSERT_TRUE(proc.ok()) << proc.status();
  const int status = (*proc)->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace jumio::sandbox::testing
