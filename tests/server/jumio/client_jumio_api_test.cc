// ClientJumioApi is the one place that knows Jumio's REST routes: every
// operation goes to its documented method, host and path under its endpoint
// label, and hands the typed answer (or Jumio's error) back.
#include "server/jumio/client_jumio_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_transport.h"

namespace jumio_gateway::jumio {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::testing::HasSubstr;

class FixedTokens : public TokenSource {
 public:
  void GetAuthorization(const std::string&, Callback done) override {
    std::move(done)("Bearer gateway");
  }
  void Invalidate(const std::string&, const std::string&) override {}
};

class ClientJumioApiTest : public ::testing::Test {
 protected:
  ClientJumioApiTest() {
    config::ConfigSources sources;
    sources.flags = {
        {"jumio_url_template", "http://127.0.0.1:9/{region}/{kind}"}};
    config_ = *config::LoadConfig(sources);
    client_ = std::make_unique<JumioClient>(
        config_.jumio.hosts, &transport_, &tokens_, clock_,
        [this](const JumioCall& call, int, absl::Duration,
               const absl::Status&) { endpoints_.push_back(call.endpoint); });
    api_ = std::make_unique<ClientJumioApi>(client_.get());
    options_.deadline = absl::UnixEpoch() + absl::Seconds(30);
    options_.request_id = "req-1";
  }

  static std::string Header(const HttpRequest& request,
                            const std::string& name) {
    for (const auto& [key, value] : request.headers) {
      if (key == name) return value;
    }
    return "";
  }

  // Keeps what an operation's callback got.
  template <typename T>
  JumioApi::Done<T> Into(std::shared_ptr<absl::StatusOr<T>> out) {
    return [out](absl::StatusOr<T> result) { *out = std::move(result); };
  }

  config::GatewayConfig config_;
  FakeTransport transport_;
  FixedTokens tokens_;
  std::vector<std::string> endpoints_;
  const testing::FakeClock clock_{absl::UnixEpoch()};
  std::unique_ptr<JumioClient> client_;
  std::unique_ptr<ClientJumioApi> api_;
  CallOptions options_;
};

TEST_F(ClientJumioApiTest, EveryOperationHasItsRouteAndEndpoint) {
  const AccountRef account{"emea-1", "a-1"};
  const WorkflowExecutionRef execution{"emea-1", "a-1", "w-1"};
  const PartRef part{"emea-1", "a-1", "w-1", "c-1", "FRONT"};
  struct Route {
    std::function<JumioApi::Handle()> start;
    std::string method;
    std::string url;  // after http://127.0.0.1:9/emea-1/
    std::string endpoint;
  };
  auto ignore = [](auto) {};
  const std::vector<Route> routes = {
      {[&] {
         return api_->CreateAccount({account, "{}"}, options_, ignore);
       },
       "POST", "account/api/v1/accounts", "account_create"},
      {[&] {
         return api_->UpdateAccount({account, "{}"}, options_, ignore);
       },
       "PUT", "account/api/v1/accounts/a-1", "account_update"},
      {[&] { return api_->GetAccount(account, options_, ignore); }, "GET",
       "retrieval/api/v1/accounts/a-1", "retrieval_account"},
      {[&] { return api_->DeleteAccount(account, options_, ignore); }, "DELETE",
       "retrieval/api/v1/accounts/a-1", "account_delete"},
      {[&] {
         PartUpload upload;
         upload.part = part;
         upload.prepared_data_json = "{}";
         return api_->UploadPart(std::move(upload), options_, ignore);
       },
       "POST",
       "api/api/v1/accounts/a-1/workflow-executions/w-1/credentials/c-1/parts/"
       "FRONT",
       "part_upload_add"},
      {[&] {
         PartUpload upload;
         upload.part = part;
         upload.replace = true;
         upload.prepared_data_json = "{}";
         return api_->UploadPart(std::move(upload), options_, ignore);
       },
       "PUT",
       "api/api/v1/accounts/a-1/workflow-executions/w-1/credentials/c-1/parts/"
       "FRONT",
       "part_upload_replace"},
      {[&] {
         return api_->GetPart({part, 0}, options_, ignore);
       },
       "GET", "retrieval/api/v1/accounts/a-1/credentials/c-1/parts/FRONT",
       "retrieval_part"},
      {[&] {
         return api_->FinalizeWorkflowExecution(execution, options_, ignore);
       },
       "PUT", "api/api/v1/accounts/a-1/workflow-executions/w-1",
       "workflow_finalize"},
      {[&] {
         return api_->GetWorkflowExecutionStatus(execution, options_, ignore);
       },
       "GET", "retrieval/api/v1/accounts/a-1/workflow-executions/w-1/status",
       "retrieval_workflow_status"},
      {[&] {
         return api_->GetWorkflowExecutionDetails(execution, false, options_,
                                                  ignore);
       },
       "GET", "retrieval/api/v1/accounts/a-1/workflow-executions/w-1",
       "retrieval_workflow_details"},
      {[&] {
         return api_->ListWorkflowExecutionSteps(execution, options_, ignore);
       },
       "GET", "retrieval/api/v1/accounts/a-1/workflow-executions/w-1/steps",
       "retrieval_workflow_steps"},
      {[&] { return api_->ListWorkflowExecutions(account, options_, ignore); },
       "GET", "retrieval/api/v1/accounts/a-1", "retrieval_account"},
      {[&] {
         return api_->DeleteWorkflowExecution(execution, options_, ignore);
       },
       "DELETE", "retrieval/api/v1/accounts/a-1/workflow-executions/w-1",
       "workflow_delete"},
      {[&] { return api_->GetPlatformStatus("emea-1", options_, ignore); },
       "GET", "status", "health_status"},
  };
  for (size_t i = 0; i < routes.size(); ++i) {
    SCOPED_TRACE(routes[i].endpoint);
    JumioApi::Handle handle = routes[i].start();
    ASSERT_EQ(transport_.requests().size(), i + 1);
    const HttpRequest request = transport_.requests()[i];
    EXPECT_EQ(request.method, routes[i].method);
    EXPECT_EQ(request.url, "http://127.0.0.1:9/emea-1/" + routes[i].url);
    EXPECT_EQ(request.deadline, options_.deadline);
    EXPECT_EQ(Header(request, "X-Request-ID"), "req-1");
    // Only the status API goes without the gateway's credentials.
    EXPECT_EQ(Header(request, "Authorization"),
              routes[i].endpoint == "health_status" ? "" : "Bearer gateway");
    ASSERT_TRUE(transport_.Answer(request.url, FakeTransport::Json(404, "{}")));
    ASSERT_EQ(endpoints_.size(), i + 1);
    EXPECT_EQ(endpoints_[i], routes[i].endpoint);
  }
}

TEST_F(ClientJumioApiTest, AnswersAreReadWithTheCodecAndErrorsPassThrough) {
  auto status = std::make_shared<absl::StatusOr<v1::WorkflowExecutionSummary>>(
      absl::UnknownError("not called"));
  JumioApi::Handle handle = api_->GetWorkflowExecutionStatus(
      {"amer-1", "a-1", "w-1"}, options_, Into(status));
  ASSERT_TRUE(transport_.Answer(
      "/status", FakeTransport::Json(200, R"({"account":{"id":"a-1"},)"
                                          R"("workflowExecution":{"id":"w-1",)"
                                          R"("status":"PROCESSED"}})")));
  ASSERT_TRUE(status->ok()) << status->status();
  EXPECT_EQ((*status)->name(),
            "regions/amer-1/accounts/a-1/workflowExecutions/w-1");
  EXPECT_EQ((*status)->status(), v1::WORKFLOW_STATUS_PROCESSED);

  auto account = std::make_shared<absl::StatusOr<v1::Account>>(
      absl::UnknownError("not called"));
  handle = api_->GetAccount({"amer-1", "a-1"}, options_, Into(account));
  ASSERT_TRUE(transport_.Answer("/a-1", FakeTransport::Json(404, "{}")));
  EXPECT_EQ(account->status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClientJumioApiTest, AFileIsSentAsMultipartWithTheCredentialsToken) {
  PartUpload upload;
  upload.part = {"amer-1", "a-1", "w-1", "c-1", "FACE"};
  upload.credential_token = "cred-token";
  upload.filename = "face.jpg";
  upload.content_type = "image/jpeg";
  upload.content = absl::Cord("\xFF\xD8\xFF jpeg bytes");
  JumioApi::Handle handle =
      api_->UploadPart(std::move(upload), options_, [](auto) {});
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest request = transport_.requests()[0];
  EXPECT_EQ(Header(request, "Authorization"), "Bearer cred-token");
  EXPECT_THAT(Header(request, "Content-Type"),
              HasSubstr("multipart/form-data; boundary="));
  const std::string body(request.body);
  EXPECT_THAT(body, HasSubstr(R"(filename="face.jpg")"));
  EXPECT_THAT(body, HasSubstr("Content-Type: image/jpeg"));
  EXPECT_THAT(body, HasSubstr("\xFF\xD8\xFF jpeg bytes"));
}

TEST_F(ClientJumioApiTest, APartComesBackWithJumiosContentType) {
  auto part = std::make_shared<absl::StatusOr<PartContent>>(
      absl::UnknownError("not called"));
  JumioApi::Handle handle = api_->GetPart(
      {{"amer-1", "a-1", "", "c-1", "FRONT"}, 1000}, options_, Into(part));
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].max_response_bytes, 1000u);
  EXPECT_THAT(Header(transport_.requests()[0], "Accept"),
              HasSubstr("image/jpeg"));
  ASSERT_TRUE(transport_.Answer(
      "/FRONT",
      FakeTransport::Json(200, "PNGBYTES", {{"content-type", "image/png"}})));
  ASSERT_TRUE(part->ok()) << part->status();
  EXPECT_EQ((*part)->content_type, "image/png");
  EXPECT_EQ((*part)->bytes, "PNGBYTES");
}

TEST_F(ClientJumioApiTest, CancelAbortsTheTransfer) {
  auto steps = std::make_shared<absl::StatusOr<std::vector<v1::WorkflowStep>>>(
      absl::UnknownError("not called"));
  JumioApi::Handle handle = api_->ListWorkflowExecutionSteps(
      {"amer-1", "a-1", "w-1"}, options_, Into(steps));
  ASSERT_EQ(transport_.pending(), 1u);
  handle->Cancel();
  EXPECT_EQ(transport_.cancelled(), 1);
  EXPECT_EQ(steps->status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace jumio_gateway::jumio
