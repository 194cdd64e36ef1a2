// A real jumio-sandbox and a real jumio-gateway pointed at it, both on loopback
// ports of the OS's choosing, plus the helpers integration tests share: stubs,
// uploads, waiting for a status, the sandbox's journal and fault control.
#ifndef JUMIO_GATEWAY_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
#define JUMIO_GATEWAY_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "tests/testing/http_client.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::testing {

// What a caller can read from a failed RPC's google.rpc.Status details.
struct ErrorDetails {
  std::string reason;               // ErrorInfo.reason
  std::vector<std::string> fields;  // BadRequest field violations
  bool retry = false;               // a RetryInfo is present
};
ErrorDetails DetailsOf(const grpc::Status& status);

// A client context with a deadline.
std::unique_ptr<grpc::ClientContext> Context(int seconds = 10);

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  // Flags a test adds to the gateway's command line (after SetUp made dir_).
  virtual std::vector<std::string> ExtraGatewayArgs() { return {}; }
  // Flags a test adds to the sandbox's command line.
  virtual std::vector<std::string> ExtraSandboxArgs() { return {}; }

  // A jumio-gateway on the sandbox with the fixture's flags plus `extra`
  // (SetUp starts gateway_ with ExtraGatewayArgs()); its output goes to
  // `log_file`.
  absl::StatusOr<std::unique_ptr<::jumio::testing::Subprocess>> StartGateway(
      std::vector<std::string> extra, const std::string& log_file);
  // Kills gateway_ with `signal` (SIGKILL: a crash), reaps it and starts it
  // again with the same flags (same callback receiver port, same store); the
  // stubs then talk to the new process.
  void RestartGateway(int signal);
  // Points channel_ and the stubs at gateway_.
  void Connect();

  // Requests the sandbox received as "METHOD region hostKind path"; `query`
  // filters
  // ("&region=emea-1&hostKind=auth").
  std::vector<std::string> Journal(const std::string& query = "");
  void AddFault(const std::string& spec);

  ::jumio::gateway::v1::CreateAccountResponse Create(
      int64_t key, const std::string& user_reference,
      ::jumio::gateway::v1::Region region =
          ::jumio::gateway::v1::REGION_EMEA_1);
  // Upload targets of the created workflow execution by classifier (FRONT,
  // FACE, ...).
  static std::map<std::string, std::string> Parts(
      const ::jumio::gateway::v1::AcquisitionWorkflowExecution& execution);
  grpc::Status Upload(
      const std::string& part, const std::string& bytes,
      ::jumio::gateway::v1::UploadCredentialPartResponse* response,
      size_t chunk = 64 * 1024);
  grpc::Status Finalize(const std::string& workflow);
  // Uploads `front` and `back` to the FRONT and BACK parts of the created
  // workflow execution, then finalizes it; the first failure.
  grpc::Status UploadIdAndFinalize(
      const ::jumio::gateway::v1::CreateAccountResponse& created,
      const std::string& front, const std::string& back);
  // Waits at most 30 s until ListCallbacks with `filter` lists a callback
  // (its first one enriched with a decision, when `enriched`).
  bool AwaitCallback(const ::jumio::gateway::v1::CallbackFilter& filter,
                     bool enriched);
  // Polls the workflow's status (bounded) until it is `want`; returns the last
  // status seen.
  std::string WaitForStatus(const std::string& workflow,
                            const std::string& want);
  // GetWorkflowExecution (decision, capabilities, credentials); a failed call
  // fails the test.
  ::jumio::gateway::v1::WorkflowExecution Details(const std::string& workflow);
  // Gateway flags for its callback receiver on a free loopback port (kept in
  // callback_port_) that takes the sandbox's http callbacks; key and store
  // in dir_. For ExtraGatewayArgs.
  std::vector<std::string> CallbackReceiverArgs();

  std::string dir_;
  std::vector<std::string> gateway_extra_args_;  // what SetUp started with
  std::string gateway_log_;  // the gateway's stdout and stderr
  std::unique_ptr<::jumio::testing::Subprocess> sandbox_;
  std::unique_ptr<::jumio::testing::Subprocess> gateway_;
  std::string sandbox_url_;
  int callback_port_ = 0;  // set by CallbackReceiverArgs
  ::jumio::testing::HttpClient http_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::jumio::gateway::v1::AccountService::Stub> accounts_;
  std::unique_ptr<::jumio::gateway::v1::CredentialService::Stub> credentials_;
  std::unique_ptr<::jumio::gateway::v1::WorkflowExecutionService::Stub>
      workflows_;
  std::unique_ptr<::jumio::gateway::v1::PlatformService::Stub> platform_;
};

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
