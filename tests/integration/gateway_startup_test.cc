// Starts the real jumio-gateway binary on a port of the OS's choosing and
// checks what a deployment relies on before any RPC works: health (overall,
// liveness, readiness), reflection listing every public service, errors in the
// documented shape, and a clean SIGTERM.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/config/config.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::jumio::testing::Subprocess;

class GatewayStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gateway = Subprocess::Start(
        ::jumio::testing::RunfilePath("server/jumio-gateway"),
        {"--grpc_listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
         "--shutdown_grace=2s"});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(gateway_->port()),
                            grpc::InsecureChannelCredentials());
  }

  HealthCheckResponse::ServingStatus Check(const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status =
        Health::NewStub(channel_)->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
    return response.status();
  }

  std::unique_ptr<Subprocess> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GatewayStartupTest, HealthIsServingForOverallLivenessAndReadiness) {
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("liveness"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("readiness"), HealthCheckResponse::SERVING);
}

TEST_F(GatewayStartupTest, ReflectionListsEveryPublicService) {
  using ::grpc::reflection::v1alpha::ServerReflection;
  using ::grpc::reflection::v1alpha::ServerReflectionRequest;
  using ::grpc::reflection::v1alpha::ServerReflectionResponse;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  auto stub = ServerReflection::NewStub(channel_);
  auto stream = stub->ServerReflectionInfo(&context);
  ServerReflectionRequest request;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  stream->WritesDone();
  std::set<std::string> listed;
  for (const auto& service : response.list_services_response().service()) {
    listed.insert(service.name());
  }
  for (const char* expected : {
           "jumio.gateway.v1.AccountService",
           "jumio.gateway.v1.CredentialService",
           "jumio.gateway.v1.WorkflowExecutionService",
           "jumio.gateway.v1.PlatformService",
           "jumio.gateway.v1.CallbackFeedService",
           "grpc.health.v1.Health",
       }) {
    EXPECT_EQ(listed.count(expected), 1u) << expected << " not listed";
  }

  // The descriptors themselves are served too, so tools such as grpcurl can
  // call the API.
  ServerReflectionRequest file_request;
  file_request.set_file_containing_symbol("jumio.gateway.v1.AccountService");
  grpc::ClientContext file_context;
  auto file_stream = stub->ServerReflectionInfo(&file_context);
  ASSERT_TRUE(file_stream->Write(file_request));
  ServerReflectionResponse file_response;
  ASSERT_TRUE(file_stream->Read(&file_response));
  file_stream->WritesDone();
  EXPECT_GT(
      file_response.file_descriptor_response().file_descriptor_proto_size(), 0);
}

TEST_F(GatewayStartupTest, UnfinishedRpcsAnswerWithTheDocumentedErrorShape) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  ::jumio::gateway::v1::CallbackFeedService::Stub stub(channel_);
  ::jumio::gateway::v1::ListCallbacksRequest request;
  ::jumio::gateway::v1::ListCallbacksResponse response;
  grpc::Status status = stub.ListCallbacks(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("callback"), std::string::npos);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  int error_infos = 0;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      ++error_infos;
      EXPECT_EQ(info.domain(), "jumio-gateway");
      EXPECT_EQ(info.reason(), "NOT_IMPLEMENTED");
    }
  }
  EXPECT_EQ(error_infos, 1);
}

TEST_F(GatewayStartupTest, SigtermStopsTheServerCleanly) {
  const int status = gateway_->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(GatewayConfigTest, InvalidConfigurationExitsWithAClearError) {
  const std::string dir = ::jumio::testing::MakeTempDir();
  Subprocess::Options options;
  options.port_file_flag = "";
  options.log_file = dir + "/gateway.log";
  auto gateway =
      Subprocess::Start(::jumio::testing::RunfilePath("server/jumio-gateway"),
                        {"--default_region=mars-1"}, options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  ASSERT_TRUE(::jumio::testing::WaitFor([&] { return !(*gateway)->Running(); },
                                        absl::Seconds(10)));
  const int status = (*gateway)->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
}

// Runs the gateway with `args` to its end; returns what it printed.
std::string RunToExit(const std::vector<std::string>& args, int* status) {
  const std::string dir = ::jumio::testing::MakeTempDir();
  Subprocess::Options options;
  options.port_file_flag = "";
  options.log_file = dir + "/gateway.log";
  auto gateway = Subprocess::Start(
      ::jumio::testing::RunfilePath("server/jumio-gateway"), args, options);
  EXPECT_TRUE(gateway.ok()) << gateway.status();
  if (!gateway.ok()) return "";
  EXPECT_TRUE(::jumio::testing::WaitFor([&] { return !(*gateway)->Running(); },
                                        absl::Seconds(10)));
  *status = (*gateway)->Stop();
  std::ifstream in(options.log_file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GatewayConfigTest, HelpListsEverySettingWithItsDefault) {
  int status = 0;
  const std::string help = RunToExit({"--help"}, &status);
  EXPECT_EQ(help.find("No flags matched"), std::string::npos) << help;
  for (const config::ConfigEntry& entry : config::ConfigTable()) {
    EXPECT_NE(help.find("--" + entry.name + "=<"), std::string::npos)
        << entry.name;
  }
  EXPECT_NE(help.find("default: 127.0.0.1:9090"), std::string::npos) << help;
  EXPECT_NE(help.find("--check_config"), std::string::npos) << help;
}

TEST(GatewayConfigTest, MisspeltFileKeyIsRefusedByName) {
  const std::string dir = ::jumio::testing::MakeTempDir();
  std::ofstream(dir + "/gateway.json") << R"({"admin_listn": "0.0.0.0:1"})";
  int status = 0;
  const std::string log = RunToExit(
      {"--config=" + dir + "/gateway.json", "--check_config"}, &status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  EXPECT_NE(log.find("'admin_listn'"), std::string::npos) << log;
}

// Secrets at rest (issue 17): a storage key file that is not 32 bytes stops
// the start with an error naming the setting and the file, never its bytes.
TEST(GatewayConfigTest, ABadStorageKeyFileIsNamedNeverPrinted) {
  const std::string dir = ::jumio::testing::MakeTempDir();
  const std::string key_file = dir + "/storage-key";
  const std::string contents = "c0ffee" + std::string(56, 'e');  // 31 bytes
  std::ofstream(key_file) << contents << "\n";
  int status = 0;
  const std::string log =
      RunToExit({"--grpc_listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
                 "--storage_key_files=" + key_file},
                &status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  EXPECT_NE(log.find("storage_key_files"), std::string::npos) << log;
  EXPECT_NE(log.find(key_file), std::string::npos) << log;
  EXPECT_EQ(log.find("c0ffee"), std::string::npos) << log;
}

TEST(GatewayConfigTest, RedisWithoutStorageKeysIsAConfigError) {
  int status = 0;
  const std::string log =
      RunToExit({"--callback_public_base_url=https://callbacks.example.com",
                 "--callback_hmac_key_files=/nonexistent/hmac",
                 "--callback_store=redis", "--check_config"},
                &status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  EXPECT_NE(log.find("storage_key_files"), std::string::npos) << log;
}

}  // namespace
}  // namespace jumio_gateway
