// A JumioApi for service tests: answers from a script, records every call, and
// can hold a call's answer until the test releases it (to see a cancel arrive
// while Jumio "works").
#ifndef JUMIO_GATEWAY_TESTS_TESTING_FAKE_JUMIO_API_H_
#define JUMIO_GATEWAY_TESTS_TESTING_FAKE_JUMIO_API_H_

#include <any>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jumio/jumio_api.h"

namespace jumio_gateway::testing {

class FakeJumioApi : public jumio::JumioApi {
 public:
  // One call as the fake saw it; only the members of its operation are set.
  struct Call {
    std::string operation;  // the JumioApi method's name: "GetAccount", ...
    jumio::CallOptions options;
    std::string region;
    std::string account;
    std::string workflow_execution;
    std::string credential;
    std::string classifier;
    std::string json_body;  // account writes, prepared data
    bool replace = false;
    std::string credential_token;
    std::string filename;
    std::string content_type;
    std::string content;  // an uploaded file's bytes
    bool include_raw = false;
    size_t max_bytes = 0;
    bool cancelled = false;
    bool answered = false;
  };

  // The next call of `operation` gets `answer` (in order; a call with no
  // scripted answer gets UNIMPLEMENTED). T is the operation's result type, or
  // absl::Status for the deletes.
  template <typename T>
  void Script(const std::string& operation, absl::StatusOr<T> answer) {
    absl::MutexLock lock(&mu_);
    scripted_[operation].push_back(std::move(answer));
  }
  void ScriptStatus(const std::string& operation, absl::Status answer) {
    absl::MutexLock lock(&mu_);
    scripted_[operation].push_back(std::move(answer));
  }
  // Calls of `operation` from now on wait for Release (or a cancel) instead
  // of being answered at once.
  void Hold(const std::string& operation);
  // Answers held call `index` (in the order calls arrived) with its script.
  void Release(size_t index);

  // What Circuits reports for `region` from now on.
  void SetCircuits(const std::string& region,
                   std::vector<jumio::HostCircuit> circuits);
  std::vector<jumio::HostCircuit> Circuits(const std::string& region) override;

  // Every call so far, in order of arrival.
  std::vector<Call> Calls() const;
  size_t CallCount() const;
  // Waits until `count` calls arrived, or `timeout` passed; true if they did.
  bool WaitForCalls(size_t count, absl::Duration timeout = absl::Seconds(10));
  // Waits until call `index` was cancelled, or `timeout` passed.
  bool WaitForCancel(size_t index, absl::Duration timeout = absl::Seconds(10));

  Handle CreateAccount(
      jumio::AccountWrite request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::CreateAccountResponse> done) override;
  Handle UpdateAccount(
      jumio::AccountWrite request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::UpdateAccountResponse> done) override;
  Handle GetAccount(const jumio::AccountRef& account,
                    const jumio::CallOptions& options,
                    Done<::jumio::gateway::v1::Account> done) override;
  Handle DeleteAccount(const jumio::AccountRef& account,
                       const jumio::CallOptions& options,
                       DoneStatus done) override;
  Handle UploadPart(
      jumio::PartUpload request, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::UploadCredentialPartResponse> done) override;
  Handle GetPart(const jumio::PartDownload& request,
                 const jumio::CallOptions& options,
                 Done<jumio::PartContent> done) override;
  Handle FinalizeWorkflowExecution(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::FinalizeWorkflowExecutionResponse> done)
      override;
  Handle GetWorkflowExecutionStatus(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecutionSummary> done) override;
  Handle GetWorkflowExecutionDetails(
      const jumio::WorkflowExecutionRef& execution, bool include_raw,
      const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecution> done) override;
  Handle ListWorkflowExecutionSteps(
      const jumio::WorkflowExecutionRef& execution,
      const jumio::CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowStep>> done) override;
  Handle ListWorkflowExecutions(
      const jumio::AccountRef& account, const jumio::CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowExecutionSummary>> done)
      override;
  Handle DeleteWorkflowExecution(const jumio::WorkflowExecutionRef& execution,
                                 const jumio::CallOptions& options,
                                 DoneStatus done) override;
  Handle GetPlatformStatus(
      const std::string& region, const jumio::CallOptions& options,
      Done<::jumio::gateway::v1::RegionPlatformStatus> done) override;

 private:
  class CallHandleImpl;
  // Gets the scripted answer, or `cancelled` instead when that is not OK.
  using Deliver = absl::AnyInvocable<void(absl::Status cancelled) &&>;
  struct Pending {
    Call call;
    Deliver deliver;  // empty once answered
  };

  template <typename Answer, typename DoneT>
  Handle StartWith(Call call, DoneT done);
  template <typename T>
  Handle Start(Call call, Done<T> done);
  Handle StartStatus(Call call, DoneStatus done);
  Handle Record(Call call, absl::AnyInvocable<Deliver(std::any) &&> bind);
  void Cancel(size_t index);

  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<std::any>> scripted_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> held_ ABSL_GUARDED_BY(mu_);
  std::vector<Pending> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<jumio::HostCircuit>> circuits_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_FAKE_JUMIO_API_H_
