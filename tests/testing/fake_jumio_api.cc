#include "tests/testing/fake_jumio_api.h"

#include <utility>

namespace jumio_gateway::testing {

namespace v1 = ::jumio::gateway::v1;

class FakeJumioApi::CallHandleImpl : public jumio::CallHandle {
 public:
  CallHandleImpl(FakeJumioApi* fake, size_t index)
      : fake_(fake), index_(index) {}
  void Cancel() override { fake_->Cancel(index_); }

 private:
  FakeJumioApi* const fake_;
  const size_t index_;
};

void FakeJumioApi::Hold(const std::string& operation) {
  absl::MutexLock lock(&mu_);
  held_[operation] = true;
}

void FakeJumioApi::Release(size_t index) {
  Deliver deliver;
  {
    absl::MutexLock lock(&mu_);
    if (index >= calls_.size() || !calls_[index].deliver) return;
    deliver = std::move(calls_[index].deliver);
    calls_[index].deliver = nullptr;
    calls_[index].call.answered = true;
  }
  std::move(deliver)(absl::OkStatus());
}

void FakeJumioApi::Cancel(size_t index) {
  Deliver deliver;
  {
    absl::MutexLock lock(&mu_);
    calls_[index].call.cancelled = true;
    if (calls_[index].deliver) {
      deliver = std::move(calls_[index].deliver);
      calls_[index].deliver = nullptr;
      calls_[index].call.answered = true;
    }
  }
  // Like JumioClient: a cancelled call that was still running ends CANCELLED.
  if (deliver) std::move(deliver)(absl::CancelledError("cancelled"));
}

std::vector<FakeJumioApi::Call> FakeJumioApi::Calls() const {
  absl::MutexLock lock(&mu_);
  std::vector<Call> calls;
  for (const Pending& pending : calls_) calls.push_back(pending.call);
  return calls;
}

size_t FakeJumioApi::CallCount() const {
  absl::MutexLock lock(&mu_);
  return calls_.size();
}

bool FakeJumioApi::WaitForCalls(size_t count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto arrived = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return calls_.size() >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
}

bool FakeJumioApi::WaitForCancel(size_t index, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto cancelled = [this, index]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return index < calls_.size() && calls_[index].call.cancelled;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&cancelled), timeout);
}

jumio::JumioApi::Handle FakeJumioApi::Record(
    Call call, absl::AnyInvocable<Deliver(std::any) &&> bind) {
  Deliver now;
  size_t index;
  {
    absl::MutexLock lock(&mu_);
    std::any answer;
    auto scripted = scripted_.find(call.operation);
    if (scripted != scripted_.end() && !scripted->second.empty()) {
      answer = std::move(scripted->second.front());
      scripted->second.pop_front();
    }
    const bool held = held_[call.operation];
    index = calls_.size();
    calls_.push_back({std::move(call), std::move(bind)(std::move(answer))});
    if (!held) {
      now = std::move(calls_[index].deliver);
      calls_[index].deliver = nullptr;
      calls_[index].call.answered = true;
    }
  }
  auto handle = std::make_shared<CallHandleImpl>(this, index);
  // Answered before returning, which the interface allows: the services must
  // cope with it.
  if (now) std::move(now)(absl::OkStatus());
  return handle;
}

// `Answer` is what the script holds for the operation: absl::StatusOr<T>, or
// absl::Status for the deletes; `done` takes it.
template <typename Answer, typename DoneT>
jumio::JumioApi::Handle FakeJumioApi::StartWith(Call call, DoneT done) {
  return Record(
      std::move(call),
      [done = std::move(done)](std::any answer) mutable -> Deliver {
        return [done = std::move(done),
                answer = std::move(answer)](absl::Status cancelled) mutable {
          if (!cancelled.ok()) {
            std::move(done)(std::move(cancelled));
          } else if (!answer.has_value()) {
            std::move(done)(absl::UnimplementedError("no scripted answer"));
          } else {
            std::move(done)(std::any_cast<Answer>(std::move(answer)));
          }
        };
      });
}

template <typename T>
jumio::JumioApi::Handle FakeJumioApi::Start(Call call, Done<T> done) {
  return StartWith<absl::StatusOr<T>>(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::StartStatus(Call call, DoneStatus done) {
  return StartWith<absl::Status>(std::move(call), std::move(done));
}

namespace {

FakeJumioApi::Call NewCall(const char* operation,
                           const jumio::CallOptions& options) {
  FakeJumioApi::Call call;
  call.operation = operation;
  call.options = options;
  return call;
}

FakeJumioApi::Call AccountCall(const char* operation,
                               const jumio::AccountRef& account,
                               const jumio::CallOptions& options) {
  FakeJumioApi::Call call = NewCall(operation, options);
  call.region = account.region;
  call.account = account.account;
  return call;
}

FakeJumioApi::Call ExecutionCall(const char* operation,
                                 const jumio::WorkflowExecutionRef& execution,
                                 const jumio::CallOptions& options) {
  FakeJumioApi::Call call = NewCall(operation, options);
  call.region = execution.region;
  call.account = execution.account;
  call.workflow_execution = execution.workflow_execution;
  return call;
}

FakeJumioApi::Call PartCall(const char* operation, const jumio::PartRef& part,
                            const jumio::CallOptions& options) {
  FakeJumioApi::Call call = ExecutionCall(
      operation, {part.region, part.account, part.workflow_execution}, options);
  call.credential = part.credential;
  call.classifier = part.classifier;
  return call;
}

}  // namespace

jumio::JumioApi::Handle FakeJumioApi::CreateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::CreateAccountResponse> done) {
  Call call = AccountCall("CreateAccount", request.account, options);
  call.json_body = std::move(request.json_body);
  return Start(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::UpdateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::UpdateAccountResponse> done) {
  Call call = AccountCall("UpdateAccount", request.account, options);
  call.json_body = std::move(request.json_body);
  return Start(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::GetAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<v1::Account> done) {
  return Start(AccountCall("GetAccount", account, options), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::DeleteAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    DoneStatus done) {
  return StartStatus(AccountCall("DeleteAccount", account, options),
                     std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::UploadPart(
    jumio::PartUpload request, const jumio::CallOptions& options,
    Done<v1::UploadCredentialPartResponse> done) {
  Call call = PartCall("UploadPart", request.part, options);
  call.json_body = std::move(request.prepared_data_json);
  call.replace = request.replace;
  call.credential_token = std::move(request.credential_token);
  call.filename = std::move(request.filename);
  call.content_type = std::move(request.content_type);
  call.content = std::string(request.content);
  return Start(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::GetPart(
    const jumio::PartDownload& request, const jumio::CallOptions& options,
    Done<jumio::PartContent> done) {
  Call call = PartCall("GetPart", request.part, options);
  call.max_bytes = request.max_bytes;
  return Start(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::FinalizeWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::FinalizeWorkflowExecutionResponse> done) {
  return Start(ExecutionCall("FinalizeWorkflowExecution", execution, options),
               std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::GetWorkflowExecutionStatus(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::WorkflowExecutionSummary> done) {
  return Start(ExecutionCall("GetWorkflowExecutionStatus", execution, options),
               std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::GetWorkflowExecutionDetails(
    const jumio::WorkflowExecutionRef& execution, bool include_raw,
    const jumio::CallOptions& options, Done<v1::WorkflowExecution> done) {
  Call call = ExecutionCall("GetWorkflowExecutionDetails", execution, options);
  call.include_raw = include_raw;
  return Start(std::move(call), std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::ListWorkflowExecutionSteps(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowStep>> done) {
  return Start(ExecutionCall("ListWorkflowExecutionSteps", execution, options),
               std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::ListWorkflowExecutions(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowExecutionSummary>> done) {
  return Start(AccountCall("ListWorkflowExecutions", account, options),
               std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::DeleteWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options, DoneStatus done) {
  return StartStatus(
      ExecutionCall("DeleteWorkflowExecution", execution, options),
      std::move(done));
}

jumio::JumioApi::Handle FakeJumioApi::GetPlatformStatus(
    const std::string& region, const jumio::CallOptions& options,
    Done<v1::RegionPlatformStatus> done) {
  Call call = NewCall("GetPlatformStatus", options);
  call.region = region;
  return Start(std::move(call), std::move(done));
}

void FakeJumioApi::SetCircuits(const std::string& region,
                               std::vector<jumio::HostCircuit> circuits) {
  absl::MutexLock lock(&mu_);
  circuits_[region] = std::move(circuits);
}

std::vector<jumio::HostCircuit> FakeJumioApi::Circuits(
    const std::string& region) {
  absl::MutexLock lock(&mu_);
  auto it = circuits_.find(region);
  return it == circuits_.end() ? std::vector<jumio::HostCircuit>{} : it->second;
}

}  // namespace jumio_gateway::testing
