#include "server/jumio/token_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/errors/errors.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_transport.h"
#include "tests/testing/small_stack.h"

namespace jumio_gateway::jumio {
namespace {

class StaticCredentials : public CredentialsProvider {
 public:
  absl::StatusOr<ClientCredentials> Get() override {
    return ClientCredentials{"client-id", "s3cret-value"};
  }
};

class OAuth2TokenSourceTest : public ::testing::Test {
 protected:
  OAuth2TokenSourceTest() {
    auto loaded = config::LoadConfig({});
    config_ = *loaded;
    OAuth2TokenSource::Options options;
    options.refresh_margin = absl::Minutes(2);
    options.on_refresh = [this](const std::string& region, bool ok) {
      refreshes_.push_back(region + (ok ? ":ok" : ":failed"));
    };
    source_ = std::make_unique<OAuth2TokenSource>(
        config_.jumio.hosts, &credentials_, &transport_, clock_, options);
  }

  // Starts a GetAuthorization and returns where its result will land.
  std::shared_ptr<absl::optional<absl::StatusOr<std::string>>> Get(
      const std::string& region) {
    auto result =
        std::make_shared<absl::optional<absl::StatusOr<std::string>>>();
    source_->GetAuthorization(region,
                              [result](absl::StatusOr<std::string> header) {
                                *result = std::move(header);
                              });
    return result;
  }

  // The header a finished GetAuthorization produced, or a description of what
  // it got instead.
  static std::string HeaderOf(
      const std::shared_ptr<absl::optional<absl::StatusOr<std::string>>>&
          result) {
    if (!result->has_value()) return "<still waiting>";
    if (!(*result)->ok())
      return "<error: " + (*result)->status().ToString() + ">";
    return ***result;
  }

  bool AnswerToken(const std::string& token, int expires_in) {
    return transport_.Answer(
        "/oauth2/token",
        FakeTransport::Json(
            200, "{\"access_token\":\"" + token +
                     "\",\"expires_in\":" + std::to_string(expires_in) +
                     ",\"token_type\":\"Bearer\"}"));
  }

  config::GatewayConfig config_;
  StaticCredentials credentials_;
  FakeTransport transport_;
  testing::FakeClock clock_;
  std::vector<std::string> refreshes_;
  std::unique_ptr<OAuth2TokenSource> source_;
};

TEST_F(OAuth2TokenSourceTest, FetchesWithClientCredentialsFromTheRegionsHost) {
  auto result = Get("emea-1");
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://auth.emea-1.jumio.ai/oauth2/token");
  EXPECT_EQ(request.body, "grant_type=client_credentials");
  bool has_basic = false, has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") has_basic = value.rfind("Basic ", 0) == 0;
    if (name == "User-Agent") has_user_agent = !value.empty();
  }
  EXPECT_TRUE(has_basic);
  EXPECT_TRUE(has_user_agent);

  ASSERT_TRUE(AnswerToken("tok-1", 3600));
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ(HeaderOf(result), "Bearer tok-1");
}

TEST_F(OAuth2TokenSourceTest, HundredConcurrentCallersShareOneFetch) {
  std::vector<std::shared_ptr<absl::optional<absl::StatusOr<std::string>>>>
      results;
  for (int i = 0; i < 100; ++i) results.push_back(Get("amer-1"));
  EXPECT_EQ(transport_.requests().size(), 1u);
  ASSERT_TRUE(AnswerToken("shared", 3600));
  for (const auto& result : results) {
    ASSERT_TRUE(result->has_value());
    EXPECT_EQ(HeaderOf(result), "Bearer shared");
  }
  // Cached afterwards: answered inline with no new request.
  auto cached = Get("amer-1");
  ASSERT_TRUE(cached->has_value());
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(OAuth2TokenSourceTest, RefreshesEarlyWithoutMakingCallersWait) {
  Get("apac-1");
  ASSERT_TRUE(AnswerToken("first", 600));
  clock_.Advance(
      absl::Minutes(7));  // 3 minutes left: outside the 2-minute margin
  EXPECT_EQ(HeaderOf(Get("apac-1")), "Bearer first");
  EXPECT_EQ(transport_.requests().size(), 1u);

  clock_.Advance(absl::Minutes(2));  // 1 minute left: inside the margin
  auto during_refresh = Get("apac-1");
  ASSERT_TRUE(during_refresh->has_value()) << "must not wait for the refresh";
  EXPECT_EQ(HeaderOf(during_refresh), "Bearer first");
  EXPECT_EQ(transport_.requests().size(), 2u);
  Get("apac-1");
  EXPECT_EQ(transport_.requests().size(), 2u) << "one refresh in flight";
  ASSERT_TRUE(AnswerToken("second", 600));
  EXPECT_EQ(HeaderOf(Get("apac-1")), "Bearer second");
  EXPECT_EQ(refreshes_, (std::vector<std::string>{"apac-1:ok", "apac-1:ok"}));
}

TEST_F(OAuth2TokenSourceTest, ExpiredTokenIsNeverHandedOut) {
  Get("emea-1");
  ASSERT_TRUE(AnswerToken("old", 60));
  clock_.Advance(absl::Seconds(61));
  auto result = Get("emea-1");
  EXPECT_FALSE(result->has_value());
  ASSERT_TRUE(AnswerToken("new", 60));
  EXPECT_EQ(HeaderOf(result), "Bearer new");
}

TEST_F(OAuth2TokenSourceTest, InvalidateDropsOnlyTheRejectedToken) {
  Get("emea-1");
  ASSERT_TRUE(AnswerToken("revoked", 3600));
  source_->Invalidate("emea-1", "Bearer someone-else");
  EXPECT_EQ(HeaderOf(Get("emea-1")), "Bearer revoked");
  source_->Invalidate("emea-1", "Bearer revoked");
  auto result = Get("emea-1");
  EXPECT_FALSE(result->has_value());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(OAuth2TokenSourceTest,
       RejectedCredentialsFailEveryWaiterWithoutTheSecret) {
  auto a = Get("emea-1");
  auto b = Get("emea-1");
  ASSERT_TRUE(
      transport_.Answer("/oauth2/token", FakeTransport::Json(401, "{}")));
  for (const auto& result : {a, b}) {
    ASSERT_TRUE(result->has_value());
    const absl::Status& status = (*result)->status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(errors::GetErrorInfo(status)->reason(), "UPSTREAM_AUTH_FAILED");
    EXPECT_EQ(errors::GetErrorInfo(status)->metadata().at("httpStatus"), "401");
    EXPECT_EQ(std::string(status.message()).find("s3cret"), std::string::npos);
  }
  EXPECT_EQ(refreshes_, std::vector<std::string>{"emea-1:failed"});
}

TEST_F(OAuth2TokenSourceTest, RegionsHaveSeparateTokens) {
  auto amer = Get("amer-1");
  auto emea = Get("emea-1");
  EXPECT_EQ(transport_.requests().size(), 2u);
  ASSERT_TRUE(transport_.Answer("/oauth2/token",
                                FakeTransport::Json(200,
                                                    R"({"access_token":"a",
                                                        "expires_in":60})")));
  ASSERT_TRUE(transport_.Answer(
      "/oauth2/token",
      FakeTransport::Json(200, R"({"access_token":"e","expires_in":60})")));
  EXPECT_EQ(HeaderOf(amer), "Bearer a");
  EXPECT_EQ(HeaderOf(emea), "Bearer e");
}

TEST_F(OAuth2TokenSourceTest, UnreadableTokenResponseIsUpstreamMalformed) {
  auto result = Get("amer-1");
  ASSERT_TRUE(
      transport_.Answer("/oauth2/token", FakeTransport::Json(200, "<html>")));
  EXPECT_EQ(errors::GetErrorInfo((*result)->status())->reason(),
            "UPSTREAM_MALFORMED");
}

TEST_F(OAuth2TokenSourceTest, HeaderUnsafeAccessTokenIsUpstreamMalformed) {
  // Each would break or inject into the Authorization header of every call.
  for (const std::string& token :
       {std::string("abc\\r\\nX-Injected: 1"), std::string("abc\\u0000def"),
        std::string("Y\x7fOUR_TOKEN"), std::string("two words"),
        std::string(""), std::string(9000, 'a')}) {
    SCOPED_TRACE(token.substr(0, 40));
    auto result = Get("amer-1");
    ASSERT_TRUE(AnswerToken(token, 3600));
    ASSERT_TRUE(result->has_value());
    ASSERT_FALSE((*result)->ok()) << HeaderOf(result);
    EXPECT_EQ(errors::GetErrorInfo((*result)->status())->reason(),
              "UPSTREAM_MALFORMED");
    EXPECT_EQ(std::string((*result)->status().message()).find("abc"),
              std::string::npos);
  }
  auto result = Get("amer-1");
  ASSERT_TRUE(AnswerToken("eyJhbGciOiJIUzI1NiJ9.e30.c2ln-_~+/==", 3600));
  EXPECT_EQ(HeaderOf(result), "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln-_~+/==");
}

TEST_F(OAuth2TokenSourceTest, DeeplyNestedTokenResponseIsMalformedNotACrash) {
  auto result = Get("amer-1");
  bool answered = false;
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    answered = transport_.Answer(
        "/oauth2/token", FakeTransport::Json(200, std::string(100000, '[')));
  }));
  ASSERT_TRUE(answered);
  ASSERT_TRUE(result->has_value());
  ASSERT_FALSE((*result)->ok());
  EXPECT_EQ(errors::GetErrorInfo((*result)->status())->reason(),
            "UPSTREAM_MALFORMED");
  EXPECT_THAT(std::string((*result)->status().message()),
              ::testing::HasSubstr("nesting deeper than 64"));
}

}  // namespace
}  // namespace jumio_gateway::jumio
