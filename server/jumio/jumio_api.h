// Jumio's REST API as typed operations: the seam between the gRPC services and
// Jumio. The services validate, encode request bodies with the codec's strict
// writers and map protos; an implementation of this interface knows Jumio's
// paths, hosts and endpoint labels, sends, and reads the answer with the
// codec's tolerant readers. Tests substitute a fake; upstream resilience
// (retries, breakers) wraps an implementation as a decorator.
//
// Every operation is asynchronous: it returns at once with a handle whose
// Cancel() aborts the transfer (`done` then gets CANCELLED), and calls `done`
// exactly once, on any thread, possibly before returning. Errors are those of
// upstream_errors.h (and the codec's MALFORMED for an unreadable answer).
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_API_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_API_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/credential.pb.h"
#include "jumio/gateway/v1/platform.pb.h"
#include "jumio/gateway/v1/retrieval.pb.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"
#include "server/jumio/endpoints.h"
#include "server/jumio/jumio_client.h"

namespace jumio_gateway::jumio {

// What every operation carries besides its own request.
struct CallOptions {
  // The caller's deadline: nothing is sent or waited for past it.
  absl::Time deadline = absl::InfiniteFuture();
  // The gateway's own bound on one attempt (--upstream_timeout). When it ends
  // an attempt before `deadline`, the error is UNAVAILABLE / UPSTREAM_TIMEOUT
  // with RetryInfo: the caller still has time to retry, so it is not the
  // caller's DEADLINE_EXCEEDED.
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // The caller's request id, passed on as X-Request-ID.
  std::string request_id;
};

// Ids are validated by the caller (resource names); `region` is a region id
// ("amer-1").
struct AccountRef {
  std::string region;
  std::string account;
};
struct WorkflowExecutionRef {
  std::string region;
  std::string account;
  std::string workflow_execution;
};
struct PartRef {
  std::string region;
  std::string account;
  std::string workflow_execution;  // empty for a download (short form)
  std::string credential;
  std::string classifier;
};

// A create (`account` empty) or update of an account.
struct AccountWrite {
  AccountRef account;
  // The codec's WriteCreateAccountBody / WriteUpdateAccountBody output.
  std::string json_body;
};

struct PartUpload {
  PartRef part;
  bool replace = false;  // PUT (replace) instead of POST (add)
  // When set, sent as "Authorization: Bearer <token>" instead of the
  // gateway's own credentials.
  std::string credential_token;
  // Either prepared data (the codec's WritePreparedData output) ...
  std::string prepared_data_json;
  // ... or a file, sent as multipart/form-data; `content` is shared, not
  // copied, on its way to the transport.
  std::string filename;
  std::string content_type;
  absl::Cord content;
};

struct PartDownload {
  PartRef part;
  // Largest part accepted; 0 is the transport's limit.
  size_t max_bytes = 0;
};

struct PartContent {
  std::string content_type;  // as Jumio sent it; empty when it sent none
  std::string bytes;
};

// One host's circuit breaker, as Circuits reports it.
struct HostCircuit {
  std::string host;  // HostKindName
  ::jumio::gateway::v1::CircuitState state =
      ::jumio::gateway::v1::CIRCUIT_STATE_CLOSED;
};

class JumioApi {
 public:
  template <typename T>
  using Done = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
  using DoneStatus = absl::AnyInvocable<void(absl::Status) &&>;
  using Handle = std::shared_ptr<CallHandle>;

  virtual ~JumioApi() = default;

  virtual Handle CreateAccount(
      AccountWrite request, const CallOptions& options,
      Done<::jumio::gateway::v1::CreateAccountResponse> done) = 0;
  virtual Handle UpdateAccount(
      AccountWrite request, const CallOptions& options,
      Done<::jumio::gateway::v1::UpdateAccountResponse> done) = 0;
  virtual Handle GetAccount(const AccountRef& account,
                            const CallOptions& options,
                            Done<::jumio::gateway::v1::Account> done) = 0;
  virtual Handle DeleteAccount(const AccountRef& account,
                               const CallOptions& options, DoneStatus done) = 0;

  virtual Handle UploadPart(
      PartUpload request, const CallOptions& options,
      Done<::jumio::gateway::v1::UploadCredentialPartResponse> done) = 0;
  virtual Handle GetPart(const PartDownload& request,
                         const CallOptions& options,
                         Done<PartContent> done) = 0;

  virtual Handle FinalizeWorkflowExecution(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<::jumio::gateway::v1::FinalizeWorkflowExecutionResponse> done) = 0;
  virtual Handle GetWorkflowExecutionStatus(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecutionSummary> done) = 0;
  // `include_raw` keeps the whole document (WORKFLOW_EXECUTION_VIEW_FULL).
  virtual Handle GetWorkflowExecutionDetails(
      const WorkflowExecutionRef& execution, bool include_raw,
      const CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecution> done) = 0;
  virtual Handle ListWorkflowExecutionSteps(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowStep>> done) = 0;
  // Every workflow execution of the account (Jumio does not page them).
  virtual Handle ListWorkflowExecutions(
      const AccountRef& account, const CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowExecutionSummary>>
          done) = 0;
  virtual Handle DeleteWorkflowExecution(const WorkflowExecutionRef& execution,
                                         const CallOptions& options,
                                         DoneStatus done) = 0;

  // The gateway's own view of the region's Jumio hosts: the circuit breaker
  // state of each host a decorator (server/resilience) keeps one for. Empty
  // where no breaker exists, as for the plain client.
  virtual std::vector<HostCircuit> Circuits(const std::string& region) {
    return {};
  }

  // Needs no credentials.
  virtual Handle GetPlatformStatus(
      const std::string& region, const CallOptions& options,
      Done<::jumio::gateway::v1::RegionPlatformStatus> done) = 0;
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_JUMIO_API_H_
