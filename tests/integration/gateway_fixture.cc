#include "tests/integration/gateway_fixture.h"

#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "rapidjson/document.h"
#include "tests/testing/loopback.h"

namespace jumio_gateway::testing {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::testing::RunfilePath;
using ::jumio::testing::Subprocess;

ErrorDetails DetailsOf(const grpc::Status& status) {
  ErrorDetails details;
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return details;
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) details.reason = info.reason();
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        details.fields.push_back(v.field());
      }
    }
    if (any.Is<google::rpc::RetryInfo>()) details.retry = true;
  }
  return details;
}

std::unique_ptr<grpc::ClientContext> Context(int seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
  return context;
}

void GatewayFixture::SetUp() {
  dir_ = ::jumio::testing::MakeTempDir();
  std::vector<std::string> sandbox_args = {
      "--listen=127.0.0.1:0", "--allow_http_callbacks",
      "--processing_delay=50ms", "--rate_limits=false"};
  for (std::string& arg : ExtraSandboxArgs()) {
    sandbox_args.push_back(std::move(arg));
  }
  auto sandbox =
      Subprocess::Start(RunfilePath("sandbox/jumio-sandbox"), sandbox_args);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  sandbox_ = std::move(*sandbox);
  sandbox_url_ = absl::StrCat("http://127.0.0.1:", sandbox_->port());
  std::ofstream(dir_ + "/id") << "sandbox-client\n";
  std::ofstream(dir_ + "/secret") << "sandbox-secret\n";
  gateway_extra_args_ = ExtraGatewayArgs();
  auto gateway =
      StartGateway(gateway_extra_args_, gateway_log_ = dir_ + "/gateway.log");
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  gateway_ = std::move(*gateway);
  Connect();
}

void GatewayFixture::Connect() {
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                 grpc::InsecureChannelCredentials());
  accounts_ = v1::AccountService::NewStub(channel_);
  credentials_ = v1::CredentialService::NewStub(channel_);
  workflows_ = v1::WorkflowExecutionService::NewStub(channel_);
  platform_ = v1::PlatformService::NewStub(channel_);
}

void GatewayFixture::RestartGateway(int signal) {
  ASSERT_EQ(kill(gateway_->pid(), signal), 0);
  ASSERT_TRUE(::jumio::testing::WaitFor([&] { return !gateway_->Running(); },
                                        absl::Seconds(10)));
  gateway_.reset();
  auto gateway = StartGateway(gateway_extra_args_, gateway_log_);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  gateway_ = std::move(*gateway);
  Connect();
}

absl::StatusOr<std::unique_ptr<Subprocess>> GatewayFixture::StartGateway(
    std::vector<std::string> extra, const std::string& log_file) {
  std::vector<std::string> args = {
      "--grpc_listen=127.0.0.1:0",
      "--admin_listen=127.0.0.1:0",
      absl::StrCat("--jumio_url_template=", sandbox_url_, "/{region}/{kind}"),
      "--client_id_file=" + dir_ + "/id",
      "--client_secret_file=" + dir_ + "/secret",
      "--default_region=emea-1"};
  // The sandbox runs without Jumio's rate limits, so the gateway does not
  // pace its calls either; tests of the pacing turn both on.
  args.push_back("--upstream_rate_limits=false");
  for (std::string& arg : extra) args.push_back(std::move(arg));
  Subprocess::Options options;
  options.log_file = log_file;
  return Subprocess::Start(RunfilePath("server/jumio-gateway"), args, options);
}

std::vector<std::string> GatewayFixture::Journal(const std::string& query) {
  auto response = http_.Get(
      absl::StrCat(sandbox_url_, "/_sandbox/journal?limit=100000", query));
  rapidjson::Document doc;
  doc.Parse(response.body.c_str());
  std::vector<std::string> entries;
  if (!doc.IsObject() || !doc.HasMember("entries")) return entries;
  for (const auto& e : doc["entries"].GetArray()) {
    entries.push_back(
        absl::StrCat(e["method"].GetString(), " ", e["region"].GetString(), " ",
                     e["hostKind"].GetString(), " ", e["path"].GetString()));
  }
  return entries;
}

void GatewayFixture::AddFault(const std::string& spec) {
  auto response = http_.Send("POST", sandbox_url_ + "/_sandbox/faults", spec,
                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(response.status / 100, 2) << response.body;
}

v1::CreateAccountResponse GatewayFixture::Create(int64_t key,
                                                 const std::string& user_ref,
                                                 v1::Region region) {
  v1::CreateAccountRequest request;
  request.set_region(region);
  request.set_customer_internal_reference("order-1234");
  request.set_user_reference(user_ref);
  request.mutable_workflow_definition()->set_key(key);
  v1::CreateAccountResponse response;
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

std::map<std::string, std::string> GatewayFixture::Parts(
    const v1::AcquisitionWorkflowExecution& execution) {
  std::map<std::string, std::string> parts;
  for (const auto& credential : execution.credentials()) {
    for (const auto& part : credential.api().parts()) {
      parts[part.raw_classifier().empty()
                ? v1::Classifier_Name(part.classifier()).substr(11)
                : part.raw_classifier()] = part.name();
    }
  }
  return parts;
}

grpc::Status GatewayFixture::Upload(const std::string& part,
                                    const std::string& bytes,
                                    v1::UploadCredentialPartResponse* response,
                                    size_t chunk) {
  auto context = Context();
  auto stream = credentials_->UploadCredentialPart(context.get(), response);
  v1::UploadCredentialPartRequest first;
  first.mutable_metadata()->set_name(part);
  stream->Write(first);
  for (size_t offset = 0; offset < bytes.size(); offset += chunk) {
    v1::UploadCredentialPartRequest next;
    next.set_chunk(bytes.substr(offset, chunk));
    if (!stream->Write(next)) break;
  }
  stream->WritesDone();
  return stream->Finish();
}

grpc::Status GatewayFixture::Finalize(const std::string& workflow) {
  v1::FinalizeWorkflowExecutionRequest request;
  request.set_name(workflow);
  v1::FinalizeWorkflowExecutionResponse response;
  return workflows_->FinalizeWorkflowExecution(Context().get(), request,
                                               &response);
}

grpc::Status GatewayFixture::UploadIdAndFinalize(
    const v1::CreateAccountResponse& created, const std::string& front,
    const std::string& back) {
  std::map<std::string, std::string> parts =
      Parts(created.workflow_execution());
  v1::UploadCredentialPartResponse uploaded;
  grpc::Status status = Upload(parts["FRONT"], front, &uploaded);
  if (status.ok()) status = Upload(parts["BACK"], back, &uploaded);
  if (status.ok()) status = Finalize(created.workflow_execution().name());
  return status;
}

bool GatewayFixture::AwaitCallback(const v1::CallbackFilter& filter,
                                   bool enriched) {
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  *list.mutable_filter() = filter;
  return ::jumio::testing::WaitFor(
      [&] {
        v1::ListCallbacksResponse listed;
        return feed->ListCallbacks(Context().get(), list, &listed).ok() &&
               listed.callbacks_size() > 0 &&
               (!enriched || listed.callbacks(0).enrichment().has_decision());
      },
      absl::Seconds(30));
}

std::string GatewayFixture::WaitForStatus(const std::string& workflow,
                                          const std::string& want) {
  std::string last;
  ::jumio::testing::WaitFor(
      [&] {
        v1::GetWorkflowExecutionStatusRequest request;
        request.set_name(workflow);
        v1::GetWorkflowExecutionStatusResponse response;
        if (!workflows_
                 ->GetWorkflowExecutionStatus(Context().get(), request,
                                              &response)
                 .ok()) {
          return false;
        }
        last = response.workflow_execution().raw_status();
        return last == want;
      },
      absl::Seconds(15));
  return last;
}

v1::WorkflowExecution GatewayFixture::Details(const std::string& workflow) {
  v1::GetWorkflowExecutionRequest request;
  request.set_name(workflow);
  v1::GetWorkflowExecutionResponse response;
  grpc::Status status =
      workflows_->GetWorkflowExecution(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.workflow_execution();
}

std::vector<std::string> GatewayFixture::CallbackReceiverArgs() {
  callback_port_ = ::jumio::testing::FreeLoopbackPort();
  std::ofstream(dir_ + "/hmac") << std::string(48, 'k') << "\n";
  // 32 bytes as hex: the storage keyring every replica of this test shares.
  std::ofstream(dir_ + "/storage-key") << std::string(64, 'a') << "\n";
  return {
      "--storage_key_files=" + dir_ + "/storage-key",
      "--callback_listen_host=127.0.0.1",
      absl::StrCat("--callback_listen_port=", callback_port_),
      absl::StrCat("--callback_public_base_url=http://127.0.0.1:",
                   callback_port_),
      "--callback_hmac_key_files=" + dir_ + "/hmac",
      "--callback_sqlite_path=" + dir_ + "/callbacks.db",
      "--callback_allowed_cidrs=127.0.0.1/32",
      "--callback_resolve_jumio_hosts=false",
      "--allow_loopback_http_callbacks=true",
  };
}

}  // namespace jumio_gateway::testing
