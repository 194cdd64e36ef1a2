#include "client/verify.h"

#include <algorithm>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/gateway_client.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"

namespace jumio_gateway::client {
namespace {

namespace v1 = ::jumio::gateway::v1;
using Step = VerifyProgress::Step;

bool IsFinal(v1::WorkflowStatus status) {
  return status == v1::WORKFLOW_STATUS_PROCESSED ||
         status == v1::WORKFLOW_STATUS_SESSION_EXPIRED ||
         status == v1::WORKFLOW_STATUS_TOKEN_EXPIRED;
}

std::string RandomUuid() {
  std::random_device device;
  std::mt19937_64 engine((static_cast<uint64_t>(device()) << 32) ^ device());
  const uint64_t hi = engine();
  const uint64_t lo = engine();
  // Version 4, variant 1.
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xfff,
      0x8000 | ((lo >> 48) & 0x3fff), lo & 0xffffffffffffULL);
}

// "PROCESSED" for WORKFLOW_STATUS_PROCESSED.
std::string StatusName(v1::WorkflowStatus status) {
  if (status == v1::WORKFLOW_STATUS_UNSPECIFIED) return "no status yet";
  std::string name = v1::WorkflowStatus_Name(status);
  constexpr absl::string_view kPrefix = "WORKFLOW_STATUS_";
  return absl::StartsWith(name, kPrefix) ? name.substr(kPrefix.size()) : name;
}

// Calls whose failure may go away when asked again a little later.
bool WorthRetrying(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

class Run {
 public:
  Run(const std::shared_ptr<grpc::Channel>& channel, const Verification& v,
      const std::function<void(const VerifyProgress&)>& progress,
      VerifyResult* result)
      : v_(v),
        progress_(progress),
        result_(result),
        give_up_(absl::Now() + v.timeout),
        accounts_(v1::AccountService::NewStub(channel)),
        credentials_(v1::CredentialService::NewStub(channel)),
        workflows_(v1::WorkflowExecutionService::NewStub(channel)),
        feed_(v1::CallbackFeedService::NewStub(channel)) {}

  grpc::Status Go() {
    if (grpc::Status s = Create(); !s.ok()) return s;
    if (grpc::Status s = Upload(); !s.ok()) return s;
    if (grpc::Status s = Finalize(); !s.ok()) return s;
    if (grpc::Status s = Wait(); !s.ok()) return s;
    return Details();
  }

 private:
  void Tell(Step step, std::string text) {
    if (progress_) progress_(VerifyProgress{step, std::move(text)});
  }

  // A context bounded by the call deadline and by what is left of the whole.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration cap) const {
    return NewContext(
        std::max(absl::Milliseconds(1), std::min(cap, give_up_ - absl::Now())));
  }

  grpc::Status Create() {
    v1::CreateAccountRequest request;
    request.set_region(v_.region);
    request.set_request_id(v_.request_id.empty() ? RandomUuid()
                                                 : v_.request_id);
    request.set_user_reference(v_.user_reference);
    request.set_customer_internal_reference(v_.customer_internal_reference);
    request.mutable_workflow_definition()->set_key(v_.workflow_key);
    // The request id makes a second create of the same request return the
    // first one's account, so an unavailable gateway is simply asked again.
    grpc::Status status;
    for (int attempt = 0; attempt < 3; ++attempt) {
      result_->created.Clear();
      status = accounts_->CreateAccount(Context(v_.call_deadline).get(),
                                        request, &result_->created);
      if (status.ok() || !WorthRetrying(status.error_code())) break;
    }
    if (!status.ok()) return status;
    Tell(Step::kCreated, absl::StrCat("created ", result_->created.account()));
    return grpc::Status::OK;
  }

  grpc::Status Upload() {
    std::map<std::string, std::string> parts;  // classifier to part name
    for (const v1::AcquisitionCredential& credential :
         result_->created.workflow_execution().credentials()) {
      for (const v1::PartUploadTarget& part : credential.api().parts()) {
        parts[part.raw_classifier()] = part.name();
      }
    }
    for (const auto& [classifier, path] : v_.files) {
      if (parts.find(classifier) == parts.end()) {
        return grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("workflow ", v_.workflow_key, " has no ", classifier,
                         " part to upload ", path, " to"));
      }
    }
    for (const auto& [classifier, path] : v_.files) {
      v1::UploadCredentialPartMetadata metadata;
      metadata.set_name(parts[classifier]);
      v1::UploadCredentialPartResponse response;
      grpc::Status status =
          UploadPartFromFile(*credentials_, Context(v_.call_deadline).get(),
                             metadata, path, v_.chunk_size, &response);
      if (!status.ok()) return status;
      Tell(Step::kUploaded, absl::StrCat("uploaded ", classifier, " ", path));
    }
    return grpc::Status::OK;
  }

  grpc::Status Finalize() {
    v1::FinalizeWorkflowExecutionRequest request;
    request.set_name(result_->created.workflow_execution().name());
    v1::FinalizeWorkflowExecutionResponse response;
    grpc::Status status = workflows_->FinalizeWorkflowExecution(
        Context(v_.call_deadline).get(), request, &response);
    if (!status.ok()) return status;
    finalized_ = absl::Now();
    Tell(Step::kFinalized, absl::StrCat("finalized ", request.name()));
    return grpc::Status::OK;
  }

  // Follows the stream until the next poll point, then polls; again until a
  // final status or the end of the whole timeout.
  grpc::Status Wait() {
    const std::vector<absl::Duration> schedule =
        v_.poll_schedule.empty() ? JumioRetrievalSchedule() : v_.poll_schedule;
    size_t next = 0;
    bool stream_usable = true;
    while (true) {
      const absl::Time now = absl::Now();
      if (now >= give_up_) {
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                            absl::StrCat("no final status within ",
                                         absl::FormatDuration(v_.timeout),
                                         "; last seen ", StatusName(last_)));
      }
      // After the schedule's last point, poll at its last interval.
      absl::Time poll_at = give_up_;
      if (next < schedule.size()) {
        poll_at = finalized_ + schedule[next];
      } else if (!schedule.empty()) {
        const absl::Duration step =
            schedule.size() > 1
                ? schedule.back() - schedule[schedule.size() - 2]
                : schedule.back();
        poll_at = finalized_ + schedule.back() +
                  step * static_cast<double>(next - schedule.size() + 1);
      }
      poll_at = std::min(poll_at, give_up_);
      Tell(Step::kWaiting,
           absl::StrCat("waiting for the result (", StatusName(last_),
                        "); next status poll in ",
                        absl::FormatDuration(absl::Trunc(
                            std::max(poll_at - now, absl::ZeroDuration()),
                            absl::Seconds(1)))));
      if (stream_usable) {
        bool finished = false;
        grpc::Status s = Follow(poll_at, &finished, &stream_usable);
        if (!s.ok()) return s;
        if (finished) {
          result_->seen_by = "callback";
          return grpc::Status::OK;
        }
      }
      if (!stream_usable) {
        // Without a stream, wait for the poll point on the clock itself.
        const absl::Duration left = poll_at - absl::Now();
        if (left > absl::ZeroDuration()) absl::SleepFor(left);
      }
      ++next;
      bool finished = false;
      grpc::Status s = Poll(&finished);
      if (!s.ok()) return s;
      if (finished) {
        result_->seen_by = "poll";
        return grpc::Status::OK;
      }
    }
  }

  // WatchCallbacks until `until`. `*usable` goes false when the gateway has
  // no callback feed, so that the wait falls back to polling alone.
  grpc::Status Follow(absl::Time until, bool* finished, bool* usable) {
    v1::WatchCallbacksRequest request;
    request.mutable_filter()->add_workflow_executions(
        result_->created.workflow_execution().name());
    if (cursor_.empty()) {
      request.set_start_position(v1::START_POSITION_EARLIEST);
    } else {
      request.set_after_cursor(cursor_);
    }
    auto context =
        NewContext(std::max(absl::Milliseconds(1), until - absl::Now()));
    auto reader = feed_->WatchCallbacks(context.get(), request);
    v1::WatchCallbacksResponse response;
    while (reader->Read(&response)) {
      if (response.has_heartbeat()) {
        if (!response.heartbeat().scanned_cursor().empty()) {
          cursor_ = response.heartbeat().scanned_cursor();
        }
        continue;
      }
      if (!response.has_callback()) continue;
      const v1::Callback& callback = response.callback();
      cursor_ = callback.cursor();
      last_ = callback.workflow_execution().status();
      if (IsFinal(last_)) {
        *finished = true;
        context->TryCancel();
        reader->Finish();
        return grpc::Status::OK;
      }
    }
    grpc::Status status = reader->Finish();
    switch (status.error_code()) {
      case grpc::StatusCode::OK:
      case grpc::StatusCode::DEADLINE_EXCEEDED:  // the poll point
      case grpc::StatusCode::UNAVAILABLE:        // a restart: poll, then again
      case grpc::StatusCode::CANCELLED:
        return grpc::Status::OK;
      case grpc::StatusCode::UNIMPLEMENTED:
      case grpc::StatusCode::FAILED_PRECONDITION:
        *usable = false;  // no callback receiver on this gateway
        return grpc::Status::OK;
      case grpc::StatusCode::OUT_OF_RANGE:
        cursor_.clear();  // the cursor aged out: start over
        return grpc::Status::OK;
      default:
        return status;
    }
  }

  grpc::Status Poll(bool* finished) {
    v1::GetWorkflowExecutionStatusRequest request;
    request.set_name(result_->created.workflow_execution().name());
    v1::GetWorkflowExecutionStatusResponse response;
    grpc::Status status = workflows_->GetWorkflowExecutionStatus(
        Context(v_.call_deadline).get(), request, &response);
    if (!status.ok()) {
      // The next poll point may find Jumio back; a poll cut short by the
      // end of the whole wait is reported by Wait.
      return WorthRetrying(status.error_code()) ||
                     status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                 ? grpc::Status::OK
                 : status;
    }
    last_ = response.workflow_execution().status();
    *finished = IsFinal(last_);
    return grpc::Status::OK;
  }

  grpc::Status Details() {
    v1::GetWorkflowExecutionRequest request;
    request.set_name(result_->created.workflow_execution().name());
    v1::GetWorkflowExecutionResponse response;
    grpc::Status status = workflows_->GetWorkflowExecution(
        Context(v_.call_deadline).get(), request, &response);
    if (!status.ok()) return status;
    result_->execution = response.workflow_execution();
    Tell(Step::kFinished, absl::StrCat("finished: ", StatusName(last_),
                                       " (seen by ", result_->seen_by, ")"));
    return grpc::Status::OK;
  }

  const Verification& v_;
  const std::function<void(const VerifyProgress&)>& progress_;
  VerifyResult* const result_;
  const absl::Time give_up_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<v1::CredentialService::Stub> credentials_;
  std::unique_ptr<v1::WorkflowExecutionService::Stub> workflows_;
  std::unique_ptr<v1::CallbackFeedService::Stub> feed_;
  absl::Time finalized_;
  std::string cursor_;
  v1::WorkflowStatus last_ = v1::WORKFLOW_STATUS_UNSPECIFIED;
};

}  // namespace

std::vector<absl::Duration> JumioRetrievalSchedule() {
  std::vector<absl::Duration> schedule;
  for (int seconds : {40, 60, 100, 160, 240, 340, 460, 600, 760, 940}) {
    schedule.push_back(absl::Seconds(seconds));
  }
  return schedule;
}

grpc::Status Verify(const std::shared_ptr<grpc::Channel>& channel,
                    const Verification& v,
                    const std::function<void(const VerifyProgress&)>& progress,
                    VerifyResult* result) {
  return Run(channel, v, progress, result).Go();
}

}  // namespace jumio_gateway::client
