#include "server/observability/grpc_server_metrics.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "rapidjson/document.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::observability {
namespace {

using ::jumio::gateway::v1::AccountService;
using ::jumio::gateway::v1::GetAccountRequest;
using ::jumio::gateway::v1::GetAccountResponse;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers GetAccount with NOT_FOUND when the name ends in "missing", OK
// otherwise, and remembers the request id the handler saw.
class FakeAccountService : public AccountService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetAccount(grpc::CallbackServerContext* context,
                                       const GetAccountRequest* request,
                                       GetAccountResponse*) override {
    {
      absl::MutexLock lock(&mu_);
      seen_request_id_ = RequestId(*context);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const std::string& name = request->name();
    const bool missing =
        name.size() >= 7 && name.compare(name.size() - 7, 7, "missing") == 0;
    reactor->Finish(missing ? grpc::Status(grpc::StatusCode::NOT_FOUND, "no")
                            : grpc::Status::OK);
    return reactor;
  }

  std::string seen_request_id() {
    absl::MutexLock lock(&mu_);
    return seen_request_id_;
  }

 private:
  absl::Mutex mu_;
  std::string seen_request_id_;
};

class InterceptorTest : public ::testing::Test {
 protected:
  void StartServer(bool register_api_methods) {
    metrics_ = std::make_unique<GatewayMetrics>(registry_, BuildInfo{"t", "t"},
                                                std::vector<std::string>{});
    if (register_api_methods)
      metrics_->AddGrpcServices(ApiServiceDescriptors());
    log_ = std::tmpfile();
    ASSERT_NE(log_, nullptr);
    logger_ = std::make_unique<Logger>(log_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    // A fake clock: every reading is 250 ms after the previous one, so each
    // call lasts exactly 250 ms (start, then finish).
    creators.push_back(std::make_unique<ServerMetricsInterceptorFactory>(
        *metrics_, logger_.get(),
        [this] {
          absl::MutexLock lock(&clock_mu_);
          now_ += absl::Milliseconds(250);
          return now_;
        },
        [] { return std::string("generated-id"); }));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = AccountService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    if (log_) std::fclose(log_);
  }

  grpc::Status Call(const std::string& name, const std::string& request_id,
                    std::string* returned_id = nullptr,
                    const std::string& traceparent = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    context.AddMetadata("authorization", "Bearer CANARY-TOKEN-7f3a");
    GetAccountRequest request;
    request.set_name(name);
    GetAccountResponse response;
    grpc::Status status = stub_->GetAccount(&context, request, &response);
    if (returned_id != nullptr) {
      auto it = context.GetServerInitialMetadata().find("x-request-id");
      *returned_id = it == context.GetServerInitialMetadata().end()
                         ? ""
                         : std::string(it->second.data(), it->second.size());
    }
    return status;
  }

  std::string Metrics() { return SerializeText(registry_.Collect()); }

  std::string Logs() {
    std::fflush(log_);
    std::rewind(log_);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), log_)) > 0) {
      text.append(buffer, n);
    }
    std::fseek(log_, 0, SEEK_END);
    return text;
  }

  bool InFlightIsZero(const std::string& service, const std::string& method) {
    return metrics_->grpc_server_in_flight.WithLabelValues({service, method})
               .Value() == 0;
  }

  Registry registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::FILE* log_ = nullptr;
  std::unique_ptr<Logger> logger_;
  FakeAccountService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<AccountService::Stub> stub_;
  absl::Mutex clock_mu_;
  absl::Duration now_;
};

constexpr char kGetAccount[] =
    "grpc_type=\"unary\",grpc_service=\"jumio.gateway.v1.AccountService\","
    "grpc_method=\"GetAccount\"";

TEST_F(InterceptorTest, CountsStartedHandledByCodeAndDuration) {
  StartServer(/*register_api_methods=*/true);
  ASSERT_TRUE(Call("regions/amer-1/accounts/a", "").ok());
  ASSERT_TRUE(Call("regions/amer-1/accounts/b", "").ok());
  ASSERT_EQ(Call("regions/amer-1/accounts/missing", "").error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(jumio::testing::WaitFor(
      [&] {
        return InFlightIsZero("jumio.gateway.v1.AccountService", "GetAccount");
      },
      absl::Seconds(10)));
  const std::string text = Metrics();
  EXPECT_THAT(text, HasSubstr(std::string("grpc_server_started_total{") +
                              kGetAccount + "} 3\n"));
  EXPECT_THAT(text, HasSubstr(std::string("grpc_server_handled_total{") +
                              kGetAccount + ",grpc_code=\"OK\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(std::string("grpc_server_handled_total{") +
                              kGetAccount + ",grpc_code=\"NotFound\"} 1\n"));
  // Each call took 250 ms on the fake clock: in the 0.25 bucket, not 0.1.
  EXPECT_THAT(text,
              HasSubstr(std::string("grpc_server_handling_seconds_bucket{") +
                        kGetAccount + ",le=\"0.1\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr(std::string("grpc_server_handling_seconds_bucket{") +
                        kGetAccount + ",le=\"0.25\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(std::string("grpc_server_handling_seconds_sum{") +
                              kGetAccount + "} 0.75\n"));
  EXPECT_THAT(
      text, HasSubstr("grpc_server_in_flight_rpcs{grpc_service=\"jumio."
                      "gateway.v1.AccountService\",grpc_method=\"GetAccount\"}"
                      " 0\n"));
}

TEST_F(InterceptorTest, AdoptsCallerRequestId) {
  StartServer(true);
  std::string returned;
  ASSERT_TRUE(Call("regions/amer-1/accounts/a", "req-123.abc", &returned).ok());
  EXPECT_EQ(service_.seen_request_id(), "req-123.abc");
  EXPECT_EQ(returned, "req-123.abc");
}

TEST_F(InterceptorTest, MakesRequestIdWhenAbsentOrUnsafe) {
  StartServer(true);
  std::string returned;
  ASSERT_TRUE(Call("regions/amer-1/accounts/a", "", &returned).ok());
  EXPECT_EQ(service_.seen_request_id(), "generated-id");
  EXPECT_EQ(returned, "generated-id");
  // Quotes and spaces could forge log fields downstream: replaced.
  ASSERT_TRUE(
      Call("regions/amer-1/accounts/a", "x\" injected=\"1", &returned).ok());
  EXPECT_EQ(service_.seen_request_id(), "generated-id");
  EXPECT_EQ(returned, "generated-id");
  ASSERT_TRUE(
      Call("regions/amer-1/accounts/a", std::string(200, 'a'), &returned).ok());
  EXPECT_EQ(returned, "generated-id");
}

TEST_F(InterceptorTest, LogsOneJsonLinePerRpcWithoutBodiesOrSecrets) {
  StartServer(true);
  ASSERT_TRUE(
      Call("regions/amer-1/accounts/CANARY-ACCOUNT-91c2", "rid-1").ok());
  ASSERT_EQ(Call("regions/amer-1/accounts/missing", "rid-2").error_code(),
            grpc::StatusCode::NOT_FOUND);
  const std::string logs = Logs();
  EXPECT_THAT(logs, Not(HasSubstr("CANARY")));
  EXPECT_THAT(logs, Not(HasSubstr("Bearer")));
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < logs.size()) {
    size_t end = logs.find('\n', start);
    if (end == std::string::npos) end = logs.size();
    lines.push_back(logs.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << logs;
  const char* expected_codes[] = {"OK", "NotFound"};
  const char* expected_ids[] = {"rid-1", "rid-2"};
  for (size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document doc;
    ASSERT_FALSE(doc.Parse(lines[i].c_str()).HasParseError()) << lines[i];
    EXPECT_STREQ(doc["message"].GetString(), "rpc");
    EXPECT_STREQ(doc["grpc_service"].GetString(),
                 "jumio.gateway.v1.AccountService");
    EXPECT_STREQ(doc["grpc_method"].GetString(), "GetAccount");
    EXPECT_STREQ(doc["grpc_code"].GetString(), expected_codes[i]);
    EXPECT_STREQ(doc["request_id"].GetString(), expected_ids[i]);
    EXPECT_STREQ(doc["duration_ms"].GetString(), "250.000");
  }
}

// A caller's W3C trace context joins the gateway's log line to its trace;
// anything that is not one stays out of the log.
TEST_F(InterceptorTest, LogsTheCallersTraceparentWhenValid) {
  StartServer(true);
  const std::string valid =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::vector<std::string> sent = {
      valid,
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"injected",
  };
  for (const std::string& traceparent : sent) {
    ASSERT_TRUE(
        Call("regions/amer-1/accounts/a", "rid", nullptr, traceparent).ok());
  }
  const std::vector<std::string> logged = {valid, "", "", "", "", ""};
  const std::string logs = Logs();
  std::vector<std::string> lines =
      absl::StrSplit(logs, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), sent.size()) << logs;
  for (size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document doc;
    ASSERT_FALSE(doc.Parse(lines[i].c_str()).HasParseError()) << lines[i];
    ASSERT_TRUE(doc.HasMember("traceparent")) << lines[i];
    EXPECT_EQ(doc["traceparent"].GetString(), logged[i]) << sent[i];
  }
  EXPECT_THAT(logs, Not(HasSubstr("injected")));
  // A later version is read by its first four fields.
  EXPECT_TRUE(IsValidTraceparent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
}

TEST_F(InterceptorTest, UnregisteredMethodsShareOneUnknownSeries) {
  StartServer(/*register_api_methods=*/false);
  ASSERT_TRUE(Call("regions/amer-1/accounts/a", "").ok());
  ASSERT_TRUE(jumio::testing::WaitFor(
      [&] { return InFlightIsZero("unknown", "unknown"); }, absl::Seconds(10)));
  const std::string text = Metrics();
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"unknown\",grpc_method=\"unknown\","
                        "grpc_code=\"OK\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("GetAccount")));
}

TEST(RequestIdTest, Acceptable) {
  EXPECT_TRUE(IsAcceptableRequestId("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_TRUE(IsAcceptableRequestId("a-b_c.d:e"));
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId("has space"));
  EXPECT_FALSE(IsAcceptableRequestId("new\nline"));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(129, 'a')));
  EXPECT_TRUE(IsAcceptableRequestId(std::string(128, 'a')));
}

}  // namespace
}  // namespace jumio_gateway::observability
