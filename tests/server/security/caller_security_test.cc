// Caller security end to end: a Gateway in-process with TLS (certificates
// made by openssl at test time), mTLS callers, bearer tokens and a caller
// policy, against a real jumio-sandbox whose journal shows what reached
// "Jumio".
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "server/config/config.h"
#include "server/gateway.h"
#include "server/observability/logger.h"
#include "server/security/tokens.h"
#include "tests/testing/http_client.h"
#include "tests/testing/sandbox_upstream.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_pki.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::testing::CertFiles;
using ::jumio::testing::CertRequest;
using ::jumio::testing::ReadWholeFile;
using ::jumio::testing::SandboxUpstream;
using ::jumio::testing::TestPki;

constexpr char kReaderId[] = "spiffe://test.example/reader";
constexpr char kWriterId[] = "spiffe://test.example/writer";
// Values that must never appear in a log line, a metric or an error.
constexpr char kTokenA[] = "tok-CANARY-a-7f3e9c1d2b";
constexpr char kTokenB[] = "tok-CANARY-b-18d0c4a9ee";
constexpr char kPersonalCanary[] = "CANARY-PII-Jane-Doe-1970";

constexpr char kPolicy[] = R"({"callers": {
  "spiffe://test.example/reader": {
    "methods": ["jumio.gateway.v1.WorkflowExecutionService/Get*",
                "jumio.gateway.v1.AccountService/GetAccount",
                "jumio.gateway.v1.CredentialService/GetCredentialPart"],
    "regions": ["*"]},
  "spiffe://test.example/writer": {
    "methods": ["*"], "regions": ["*"], "personal_data": true},
  "emea-app": {
    "methods": ["jumio.gateway.v1.AccountService/*"],
    "regions": ["emea-1"]}
}})";

std::string Reason(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

void WriteFile(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".new";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << contents;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

class CallerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::jumio::testing::MakeTempDir();
    auto sandbox = SandboxUpstream::Start(dir_);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = *std::move(sandbox);

    pki_ = std::make_unique<TestPki>(dir_, "ca");
    other_pki_ = std::make_unique<TestPki>(dir_, "other-ca");
    ASSERT_TRUE(pki_->ok() && other_pki_->ok()) << "openssl failed";
    auto server = pki_->Issue({"server", "gateway", "", true});
    auto reader = pki_->Issue({"reader", "reader", kReaderId});
    auto writer = pki_->Issue({"writer", "writer", kWriterId});
    ASSERT_TRUE(server.ok() && reader.ok() && writer.ok());
    // The gateway reads these paths; rotation replaces their contents.
    server_cert_ = dir_ + "/tls.crt";
    server_key_ = dir_ + "/tls.key";
    WriteFile(server_cert_, ReadWholeFile(server->cert));
    WriteFile(server_key_, ReadWholeFile(server->key));
    reader_ = *reader;
    writer_ = *writer;
    WriteFile(dir_ + "/policy.json", kPolicy);
    WriteFile(dir_ + "/tokens",
              absl::StrCat("# caller sha256(token)\nemea-app ",
                           security::Sha256Hex(kTokenA), "\n"));
    log_path_ = dir_ + "/gateway.log";
    log_file_ = std::fopen(log_path_.c_str(), "w");
    ASSERT_NE(log_file_, nullptr);
    logger_ = std::make_unique<observability::Logger>(log_file_);
  }

  void TearDown() override {
    gateway_.reset();
    logger_.reset();
    if (log_file_ != nullptr) std::fclose(log_file_);
  }

  config::Settings Flags() const {
    config::Settings flags = sandbox_->GatewaySettings();
    flags.insert({
        {"shutdown_grace", "1s"},
        {"grpc_tls_cert_file", server_cert_},
        {"grpc_tls_key_file", server_key_},
        {"grpc_tls_client_ca_file", pki_->ca_file()},
        {"caller_tokens_file", dir_ + "/tokens"},
        {"caller_policy_file", dir_ + "/policy.json"},
    });
    return flags;
  }

  absl::StatusOr<std::unique_ptr<Gateway>> Create(config::Settings flags) {
    config::ConfigSources sources;
    sources.flags = std::move(flags);
    absl::StatusOr<config::GatewayConfig> config = config::LoadConfig(sources);
    if (!config.ok()) return config.status();
    return Gateway::Create(*std::move(config), logger_.get());
  }

  void StartGateway() {
    auto gateway = Create(Flags());
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    ASSERT_TRUE(gateway_->Start().ok());
  }

  std::string Target() const {
    return absl::StrCat("127.0.0.1:", gateway_->grpc_port());
  }

  // A TLS channel trusting `ca_file`, presenting `client` when given.
  std::shared_ptr<grpc::Channel> Tls(const std::string& ca_file,
                                     const CertFiles* client = nullptr) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadWholeFile(ca_file);
    if (client != nullptr) {
      options.pem_private_key = ReadWholeFile(client->key);
      options.pem_cert_chain = ReadWholeFile(client->cert);
    }
    grpc::ChannelArguments args;
    // A new connection per channel, so that each sees the current cert.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(Target(), grpc::SslCredentials(options),
                                     args);
  }

  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& token = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(5));
    if (!token.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return context;
  }

  static grpc::Status Status(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& token = "") {
    v1::GetWorkflowExecutionStatusRequest request;
    request.set_name("regions/emea-1/accounts/A1/workflowExecutions/W1");
    v1::GetWorkflowExecutionStatusResponse response;
    return v1::WorkflowExecutionService::NewStub(channel)
        ->GetWorkflowExecutionStatus(Context(token).get(), request, &response);
  }

  static grpc::Status CreateAccount(
      const std::shared_ptr<grpc::Channel>& channel, v1::Region region,
      const std::string& token = "", std::string* name = nullptr) {
    v1::CreateAccountRequest request;
    request.set_region(region);
    request.set_user_reference(kPersonalCanary);
    request.mutable_workflow_definition()->set_key(2);
    v1::CreateAccountResponse response;
    grpc::Status status = v1::AccountService::NewStub(channel)->CreateAccount(
        Context(token).get(), request, &response);
    if (name != nullptr) *name = response.account();
    return status;
  }

  static grpc::Status GetPart(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& token = "") {
    v1::GetCredentialPartRequest request;
    request.set_name(
        "regions/emea-1/accounts/A1/workflowExecutions/W1/credentials/C1/"
        "parts/FRONT");
    auto context = Context(token);
    auto reader = v1::CredentialService::NewStub(channel)->GetCredentialPart(
        context.get(), request);
    v1::GetCredentialPartResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  }

  // Requests the sandbox received, as its journal's JSON text.
  std::string Journal() {
    return http_
        .Get(absl::StrCat("http://127.0.0.1:", sandbox_->port(),
                          "/_sandbox/journal?limit=1000"))
        .body;
  }
  void ClearJournal() {
    http_.Delete(absl::StrCat("http://127.0.0.1:", sandbox_->port(),
                              "/_sandbox/journal"));
  }
  int JournalEntries() {
    const std::string journal = Journal();
    int n = 0;
    for (size_t at = journal.find("\"seq\""); at != std::string::npos;
         at = journal.find("\"seq\"", at + 1)) {
      ++n;
    }
    return n;
  }

  std::string Metrics() {
    return http_
        .Get(absl::StrCat("http://127.0.0.1:", gateway_->admin_port(),
                          "/metrics"))
        .body;
  }

  std::string Log() {
    std::fflush(log_file_);
    return ReadWholeFile(log_path_);
  }

  std::string dir_;
  std::unique_ptr<SandboxUpstream> sandbox_;
  std::unique_ptr<TestPki> pki_, other_pki_;
  std::string server_cert_, server_key_;
  CertFiles reader_, writer_;
  std::string log_path_;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<observability::Logger> logger_;
  ::jumio::testing::HttpClient http_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(CallerSecurityTest, OnlyTlsWithTheRightCaAndValidCertificatesConnects) {
  StartGateway();
  // The writer over mTLS gets through to the sandbox (NOT_FOUND there).
  grpc::Status ok = Status(Tls(pki_->ca_file(), &writer_));
  EXPECT_EQ(ok.error_code(), grpc::StatusCode::NOT_FOUND) << ok.error_message();

  // Health is open to a TLS client without any credential.
  {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("readiness");
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status health =
        grpc::health::v1::Health::NewStub(Tls(pki_->ca_file()))
            ->Check(Context().get(), request, &response);
    EXPECT_TRUE(health.ok()) << health.error_message();
  }
  // Plaintext to the TLS port.
  grpc::Status plaintext =
      Status(grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials()));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE);
  // A client trusting another CA.
  EXPECT_EQ(Status(Tls(other_pki_->ca_file(), &writer_)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // An expired client certificate, and one of another CA.
  auto expired = pki_->Issue({"expired", "expired", kWriterId, false, -1});
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(Status(Tls(pki_->ca_file(), &*expired)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  auto stranger = other_pki_->Issue({"stranger", "s", kWriterId});
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(Status(Tls(pki_->ca_file(), &*stranger)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(CallerSecurityTest, AnExpiredServerCertificateDoesNotStart) {
  auto expired = pki_->Issue({"server-old", "gateway", "", true, -1});
  ASSERT_TRUE(expired.ok());
  WriteFile(server_cert_, ReadWholeFile(expired->cert));
  WriteFile(server_key_, ReadWholeFile(expired->key));
  auto gateway = Create(Flags());
  ASSERT_FALSE(gateway.ok());
  EXPECT_TRUE(absl::StrContains(gateway.status().message(), "expired"))
      << gateway.status();
}

TEST_F(CallerSecurityTest, ARotatedCertificateIsServedWithoutARestart) {
  StartGateway();
  ASSERT_EQ(Status(Tls(pki_->ca_file(), &writer_)).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // A broken pair (the key of another certificate) keeps the old one.
  auto next = other_pki_->Issue({"server-next", "gateway", "", true});
  ASSERT_TRUE(next.ok());
  WriteFile(server_cert_, ReadWholeFile(next->cert));
  WriteFile(server_key_, ReadWholeFile(writer_.key));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!absl::StrContains(
             Metrics(),
             "jumio_gateway_security_reload_failures_total{file=\"tls\"} 1") &&
         absl::Now() < deadline) {
    // Each pass scrapes the admin port: the loop waits on the condition.
  }
  EXPECT_TRUE(absl::StrContains(
      Metrics(),
      "jumio_gateway_security_reload_failures_total{file=\"tls\"} 1"));
  EXPECT_TRUE(absl::StrContains(Log(), "grpc TLS certificate not reloaded"));
  EXPECT_EQ(Status(Tls(pki_->ca_file(), &writer_)).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The matching key: new connections get the new certificate.
  WriteFile(server_key_, ReadWholeFile(next->key));
  grpc::Status status;
  while (absl::Now() < deadline) {
    status = Status(Tls(other_pki_->ca_file(), &writer_));
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) break;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();
}

TEST_F(CallerSecurityTest,
       TheReadOnlyCallerReadsButNeitherWritesNorReadsParts) {
  StartGateway();
  auto reader = Tls(pki_->ca_file(), &reader_);
  ClearJournal();
  grpc::Status create = CreateAccount(reader, v1::REGION_EMEA_1);
  EXPECT_EQ(create.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(create), "CALLER_PERMISSION_DENIED");
  grpc::Status part = GetPart(reader);
  EXPECT_EQ(part.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(part), "CALLER_PERMISSION_DENIED");
  EXPECT_TRUE(absl::StrContains(part.error_message(), "personal data"))
      << part.error_message();
  EXPECT_EQ(JournalEntries(), 0)
      << "refused calls reached Jumio: " << Journal();

  grpc::Status status = Status(reader);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << "admitted, answered by the sandbox: " << status.error_message();
  EXPECT_GE(JournalEntries(), 1);
}

TEST_F(CallerSecurityTest, ARegionBoundCallerStaysInItsRegion) {
  StartGateway();
  auto channel = Tls(pki_->ca_file());  // TLS, no client certificate
  ClearJournal();
  grpc::Status amer = CreateAccount(channel, v1::REGION_AMER_1, kTokenA);
  EXPECT_EQ(amer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reason(amer), "CALLER_PERMISSION_DENIED");
  EXPECT_TRUE(absl::StrContains(amer.error_message(), "amer-1"));
  EXPECT_EQ(JournalEntries(), 0) << Journal();
  std::string name;
  grpc::Status emea = CreateAccount(channel, v1::REGION_EMEA_1, kTokenA, &name);
  EXPECT_TRUE(emea.ok()) << emea.error_message();
  EXPECT_TRUE(absl::StartsWith(name, "regions/emea-1/")) << name;
}

TEST_F(CallerSecurityTest, NoOrAnUnknownCredentialIsUnauthenticated) {
  StartGateway();
  auto channel = Tls(pki_->ca_file());
  ClearJournal();
  for (const std::string& token : {std::string(), std::string(kTokenB)}) {
    grpc::Status status = CreateAccount(channel, v1::REGION_EMEA_1, token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Reason(status), "CALLER_UNAUTHENTICATED");
    EXPECT_FALSE(absl::StrContains(status.error_message(), kTokenB));
  }
  EXPECT_EQ(JournalEntries(), 0) << Journal();
}

TEST_F(CallerSecurityTest, ARotatedTokenWorksAndTheOldOneStops) {
  StartGateway();
  auto channel = Tls(pki_->ca_file());
  grpc::Status first = CreateAccount(channel, v1::REGION_EMEA_1, kTokenA);
  ASSERT_TRUE(first.ok()) << first.error_message();
  WriteFile(dir_ + "/tokens",
            absl::StrCat("emea-app ", security::Sha256Hex(kTokenB), "\n"));
  // Re-read at the next call: no wait.
  grpc::Status fresh = CreateAccount(channel, v1::REGION_EMEA_1, kTokenB);
  EXPECT_TRUE(fresh.ok()) << fresh.error_message();
  grpc::Status old = CreateAccount(channel, v1::REGION_EMEA_1, kTokenA);
  EXPECT_EQ(old.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A broken file keeps the last good one.
  WriteFile(dir_ + "/tokens", "emea-app not-a-digest\n");
  EXPECT_TRUE(CreateAccount(channel, v1::REGION_EMEA_1, kTokenB).ok());
  EXPECT_TRUE(absl::StrContains(
      Metrics(),
      "jumio_gateway_security_reload_failures_total{file=\"tokens\"} 1"));
}

TEST_F(CallerSecurityTest, AuditLinesForAllowedCallsAndNoSecretAnywhere) {
  StartGateway();
  auto writer = Tls(pki_->ca_file(), &writer_);
  auto token_channel = Tls(pki_->ca_file());
  std::string name;
  grpc::Status created = CreateAccount(writer, v1::REGION_EMEA_1, "", &name);
  ASSERT_TRUE(created.ok()) << created.error_message();
  created = CreateAccount(token_channel, v1::REGION_EMEA_1, kTokenA);
  ASSERT_TRUE(created.ok()) << created.error_message();
  EXPECT_EQ(GetPart(writer).error_code(), grpc::StatusCode::NOT_FOUND);
  // Refused and read-only calls are not audited.
  std::vector<grpc::Status> errors = {
      CreateAccount(token_channel, v1::REGION_AMER_1, kTokenA),
      CreateAccount(token_channel, v1::REGION_EMEA_1, kTokenB),
      Status(Tls(pki_->ca_file(), &reader_))};

  const std::string log = Log();
  int audit = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (!absl::StrContains(line, "\"msg\":\"audit\"") &&
        !absl::StrContains(line, "\"message\":\"audit\"")) {
      continue;
    }
    ++audit;
    EXPECT_TRUE(absl::StrContains(line, "\"request_id\":\"")) << line;
    EXPECT_TRUE(absl::StrContains(line, "\"outcome\":\"")) << line;
    EXPECT_TRUE(absl::StrContains(line, "\"time\":\"")) << line;
  }
  EXPECT_EQ(audit, 3) << log;
  // The resource: the region for a create (the account does not exist
  // yet when the call is admitted), else the name the caller sent.
  EXPECT_TRUE(absl::StrContains(log, "\"resource\":\"regions/emea-1\""));
  EXPECT_TRUE(absl::StrContains(
      log,
      "\"resource\":\"regions/emea-1/accounts/A1/workflowExecutions/"
      "W1/credentials/C1/parts/FRONT\""));
  EXPECT_TRUE(absl::StrContains(log, "\"caller\":\"emea-app\""));
  EXPECT_TRUE(absl::StrContains(log, kWriterId));

  const std::string metrics = Metrics();
  EXPECT_TRUE(absl::StrContains(
      metrics, "jumio_gateway_caller_requests_total{caller=\"emea-app\""));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "jumio_gateway_caller_requests_total{caller=\"unauthenticated\""));
  for (const char* canary : {kTokenA, kTokenB, kPersonalCanary, "CANARY"}) {
    EXPECT_FALSE(absl::StrContains(log, canary)) << canary;
    EXPECT_FALSE(absl::StrContains(metrics, canary)) << canary;
    for (const grpc::Status& error : errors) {
      EXPECT_FALSE(absl::StrContains(error.error_message(), canary));
      EXPECT_FALSE(absl::StrContains(error.error_details(), canary));
    }
  }
}

// Reflection follows the policy: the writer ("*") lists the services, the
// reader (whose methods do not include it) is cut off. (libgrpc++_reflection
// holds the reflection protos, so the test speaks them as bytes.)
TEST_F(CallerSecurityTest, ReflectionFollowsThePolicy) {
  StartGateway();
  auto list = [](const std::shared_ptr<grpc::Channel>& channel,
                 std::string* answer) {
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    auto context = Context();
    auto call = stub.PrepareCall(
        context.get(),
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    void* tag = nullptr;
    bool ok = false;
    auto step = [&](int expected) {
      return cq.Next(&tag, &ok) && tag == reinterpret_cast<void*>(expected) &&
             ok;
    };
    call->StartCall(reinterpret_cast<void*>(1));
    // ServerReflectionRequest{list_services: "*"} (field 7, a string).
    grpc::Slice slice(std::string("\x3a\x01*", 3));
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    if (step(1)) {
      call->Write(request, reinterpret_cast<void*>(2));
      if (step(2)) {
        call->Read(&response, reinterpret_cast<void*>(3));
        if (step(3)) {
          std::vector<grpc::Slice> slices;
          if (response.Dump(&slices).ok()) {
            for (const grpc::Slice& s : slices) {
              answer->append(reinterpret_cast<const char*>(s.begin()),
                             s.size());
            }
          }
        }
      }
    }
    grpc::Status status;
    call->WritesDone(reinterpret_cast<void*>(5));
    call->Finish(&status, reinterpret_cast<void*>(4));
    while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  };
  std::string writer_sees, reader_sees;
  list(Tls(pki_->ca_file(), &writer_), &writer_sees);
  EXPECT_TRUE(absl::StrContains(writer_sees, "jumio.gateway.v1.AccountService"))
      << writer_sees;
  grpc::Status refused = list(Tls(pki_->ca_file(), &reader_), &reader_sees);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(reader_sees, "");
}

TEST_F(CallerSecurityTest, ANonLoopbackAddressNeedsTlsAndAPolicy) {
  config::Settings flags = Flags();
  flags["grpc_listen"] = "0.0.0.0:0";
  flags.erase("grpc_tls_cert_file");
  flags.erase("grpc_tls_key_file");
  flags.erase("grpc_tls_client_ca_file");
  auto plaintext = Create(flags);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_TRUE(absl::StrContains(plaintext.status().message(),
                                "insecure_allow_plaintext"));
  flags["insecure_allow_plaintext"] = "true";
  flags.erase("caller_policy_file");
  auto open = Create(flags);
  ASSERT_FALSE(open.ok());
  EXPECT_TRUE(
      absl::StrContains(open.status().message(), "insecure_allow_all_callers"));
  flags["insecure_allow_all_callers"] = "true";
  EXPECT_TRUE(Create(flags).ok());
}

}  // namespace
}  // namespace jumio_gateway
