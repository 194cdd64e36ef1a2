#include "server/jumio/jumio_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/config/config.h"
#include "server/errors/errors.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_transport.h"

namespace jumio_gateway::jumio {
namespace {

// Hands out "Bearer t<N>", a new N after each Invalidate, and counts both.
class CountingTokens : public TokenSource {
 public:
  void GetAuthorization(const std::string& region, Callback done) override {
    ++gets;
    std::move(done)("Bearer t" + std::to_string(generation));
  }
  void Invalidate(const std::string& region,
                  const std::string& rejected) override {
    ++invalidations;
    ++generation;
  }
  int gets = 0;
  int invalidations = 0;
  int generation = 1;
};

using Result = std::shared_ptr<absl::optional<absl::StatusOr<HttpResponse>>>;

class JumioClientTest : public ::testing::Test {
 protected:
  JumioClientTest() {
    config::ConfigSources sources;
    sources.flags = {
        {"jumio_url_template", "http://127.0.0.1:9/{region}/{kind}"},
        {"user_agent", "gateway-test/1"}};
    config_ = *config::LoadConfig(sources);
    client_ = std::make_unique<JumioClient>(
        config_.jumio.hosts, &transport_, &tokens_, clock_,
        [this](const JumioCall& call, int status, absl::Duration,
               const absl::Status& transport_error) {
          observed_.push_back(call.endpoint + ":" + std::to_string(status));
          if (!transport_error.ok()) {
            transport_errors_.emplace_back(transport_error.message());
          }
        });
  }

  Result Call(JumioCall call) {
    auto result =
        std::make_shared<absl::optional<absl::StatusOr<HttpResponse>>>();
    handle_ = client_->Call(std::move(call),
                            [result](absl::StatusOr<HttpResponse> response) {
                              *result = std::move(response);
                            });
    return result;
  }

  static JumioCall Details(const std::string& region) {
    JumioCall call;
    call.region = region;
    call.host = jumio::HostKind::kRetrieval;
    call.path = "/api/v1/accounts/a/workflow-executions/w";
    call.endpoint = "retrieval_workflow_details";
    call.deadline = absl::FromUnixSeconds(1700000100);
    return call;
  }

  static std::string Header(const HttpRequest& request,
                            const std::string& name) {
    for (const auto& [key, value] : request.headers) {
      if (key == name) return value;
    }
    return "";
  }

  config::GatewayConfig config_;
  FakeTransport transport_;
  CountingTokens tokens_;
  testing::FakeClock clock_;
  std::vector<std::string> observed_;
  std::vector<std::string> transport_errors_;
  std::unique_ptr<JumioClient> client_;
  std::shared_ptr<CallHandle> handle_;
};

TEST_F(JumioClientTest, RoutesToTheRegionsHostWithTheRequiredHeaders) {
  Result result = Call(Details("emea-1"));
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(request.url,
            "http://127.0.0.1:9/emea-1/retrieval/api/v1/accounts/a/"
            "workflow-executions/w");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(Header(request, "Authorization"), "Bearer t1");
  EXPECT_EQ(Header(request, "User-Agent"), "gateway-test/1");
  EXPECT_EQ(Header(request, "Accept"), "application/json");
  EXPECT_EQ(request.deadline, absl::FromUnixSeconds(1700000100));
  ASSERT_TRUE(transport_.Answer("/w", FakeTransport::Json(200, "{}")));
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->ok());
  EXPECT_EQ(observed_,
            std::vector<std::string>{"retrieval_workflow_details:200"});
}

TEST_F(JumioClientTest, A401RefreshesTheTokenAndRetriesOnce) {
  Result result = Call(Details("amer-1"));
  ASSERT_TRUE(transport_.Answer("/w", FakeTransport::Json(401, "")));
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(Header(transport_.requests()[1], "Authorization"), "Bearer t2");
  EXPECT_EQ(tokens_.invalidations, 1);
  ASSERT_TRUE(transport_.Answer("/w", FakeTransport::Json(401, "")));
  EXPECT_EQ(transport_.requests().size(), 2u) << "retried only once";
  ASSERT_TRUE(result->has_value());
  const absl::Status status = (*result)->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(errors::GetErrorInfo(status)->reason(), "UPSTREAM_AUTH_FAILED");
  EXPECT_EQ(std::string(status.message()).find("Bearer"), std::string::npos);
}

TEST_F(JumioClientTest, RateLimitCarriesRetryInfoFromRetryAfter) {
  Result result = Call(Details("apac-1"));
  ASSERT_TRUE(transport_.Answer(
      "/w", FakeTransport::Json(429, R"({"message":"Too Many Requests"})",
                                {{"retry-after", "7"}})));
  const absl::Status status = (*result)->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  auto info = errors::GetErrorInfo(status);
  EXPECT_EQ(info->reason(), "UPSTREAM_RATE_LIMITED");
  EXPECT_EQ(info->metadata().at("region"), "apac-1");
  EXPECT_EQ(info->metadata().at("jumioEndpoint"), "retrieval_workflow_details");
  EXPECT_EQ(errors::GetRetryInfo(status)->retry_delay().seconds(), 7);
}

TEST_F(JumioClientTest, HttpOutcomesMapToSemanticCodes) {
  const std::vector<std::pair<int, absl::StatusCode>> cases = {
      {400, absl::StatusCode::kInvalidArgument},
      {403, absl::StatusCode::kUnavailable},
      {404, absl::StatusCode::kNotFound},
      {409, absl::StatusCode::kAborted},
      {503, absl::StatusCode::kUnavailable},
  };
  for (const auto& [http, code] : cases) {
    Result result = Call(Details("amer-1"));
    ASSERT_TRUE(transport_.Answer("/w", FakeTransport::Json(http, "{}")));
    ASSERT_TRUE(result->has_value());
    EXPECT_EQ((*result)->status().code(), code) << http;
  }
}

TEST_F(JumioClientTest, RejectedFieldIsNamedButItsValueIsNot) {
  Result result = Call(Details("amer-1"));
  ASSERT_TRUE(transport_.Answer(
      "/w", FakeTransport::Json(400, R"({"field":"userReference",
                                         "detail":"JOHN DOE is too long"})")));
  const std::string message((*result)->status().message());
  EXPECT_NE(message.find("userReference"), std::string::npos);
  EXPECT_EQ(message.find("JOHN"), std::string::npos);
}

TEST_F(JumioClientTest, PassedDeadlineSendsNothing) {
  JumioCall call = Details("amer-1");
  call.deadline = clock_.Now() - absl::Seconds(1);
  Result result = Call(call);
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_EQ((*result)->status().code(), absl::StatusCode::kDeadlineExceeded);
}

// The gateway's own per-attempt timeout is not the caller's deadline: the
// caller still has time, so it gets a retryable UNAVAILABLE.
TEST_F(JumioClientTest, AttemptTimeoutBeforeTheDeadlineIsUnavailable) {
  JumioCall call = Details("amer-1");
  call.deadline = clock_.Now() + absl::Seconds(60);
  call.attempt_timeout = absl::Seconds(30);
  Result result = Call(call);
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].deadline,
            clock_.Now() + absl::Seconds(30));
  ASSERT_TRUE(transport_.Answer(
      "/w", absl::DeadlineExceededError("did not complete before deadline")));
  const absl::Status status = (*result)->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(errors::GetErrorInfo(status)->reason(), "UPSTREAM_TIMEOUT");
  EXPECT_TRUE(errors::GetRetryInfo(status).has_value());
}

TEST_F(JumioClientTest, TheCallersDeadlineStaysDeadlineExceeded) {
  JumioCall call = Details("amer-1");
  call.deadline = clock_.Now() + absl::Seconds(10);
  call.attempt_timeout = absl::Seconds(30);
  Result result = Call(call);
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].deadline, call.deadline);
  ASSERT_TRUE(transport_.Answer(
      "/w", absl::DeadlineExceededError("did not complete before deadline")));
  const absl::Status status = (*result)->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(errors::GetErrorInfo(status)->reason(), "UPSTREAM_TIMEOUT");
}

TEST_F(JumioClientTest, CancelAbortsTheTransfer) {
  Result result = Call(Details("amer-1"));
  handle_->Cancel();
  EXPECT_EQ(transport_.cancelled(), 1);
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->status().code(), absl::StatusCode::kCancelled);
}

TEST_F(JumioClientTest, CredentialTokenReplacesTheBearerAndStatusApiNeedsNone) {
  JumioCall upload = Details("amer-1");
  upload.authorization = "Bearer credential-token";
  Call(upload);
  EXPECT_EQ(Header(transport_.requests()[0], "Authorization"),
            "Bearer credential-token");
  JumioCall status;
  status.region = "amer-1";
  status.host = jumio::HostKind::kStatus;
  status.endpoint = "health_status";
  status.authenticate = false;
  Call(status);
  EXPECT_EQ(Header(transport_.requests()[1], "Authorization"), "");
  EXPECT_EQ(tokens_.gets, 0);
}

// The transport's text names the host and port it tried; the caller gets the
// region and endpoint only, the observer (the operator's log) the whole text.
TEST_F(JumioClientTest, ConnectFailureNamesNoHostOrPortToTheCaller) {
  Result result = Call(Details("emea-1"));
  ASSERT_TRUE(transport_.Answer(
      "/w", absl::UnavailableError(
                "upstream GET to 127.0.0.1:4321 failed: Failed to connect to "
                "127.0.0.1 port 4321 after 0 ms: Connection refused")));
  ASSERT_TRUE(result->has_value());
  const absl::Status status = (*result)->status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "Jumio unreachable (region emea-1, endpoint "
            "retrieval_workflow_details)");
  EXPECT_TRUE(errors::GetRetryInfo(status).has_value());
  auto info = errors::GetErrorInfo(status);
  ASSERT_TRUE(info.has_value());
  for (const auto& [key, value] : info->metadata()) {
    EXPECT_EQ(value.find("127.0.0.1"), std::string::npos) << key;
    EXPECT_EQ(value.find("4321"), std::string::npos) << key;
  }
  ASSERT_EQ(transport_errors_.size(), 1u);
  EXPECT_NE(transport_errors_[0].find("127.0.0.1 port 4321"),
            std::string::npos);
}

}  // namespace
}  // namespace jumio_gateway::jumio
