#include "server/api/callback_integration.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "server/api/resource_names.h"
#include "server/jumio/codec/callback_codec.h"

namespace jumio_gateway::api {

namespace v1 = ::jumio::gateway::v1;

absl::StatusOr<CallbackUrlProvider::Issued>
IssuerCallbackUrls::IssueForNewAccount() {
  absl::StatusOr<callbacks::CallbackUrlIssuer::Issued> issued =
      issuer_->IssueForNewAccount();
  if (!issued.ok()) return issued.status();
  return Issued{issued->url, issued->binding_handle};
}

absl::Status IssuerCallbackUrls::Bind(const std::string& binding,
                                      const std::string& region,
                                      const std::string& account_id) {
  return issuer_->Bind(binding, RegionFromId(region), account_id);
}

std::string IssuerCallbackUrls::UrlForAccount(const std::string& account_id) {
  return issuer_->UrlForAccount(account_id);
}

absl::StatusOr<v1::CallbackEnrichment> JumioEnricher::Enrich(
    const v1::Callback& callback) {
  absl::StatusOr<WorkflowExecutionName> name = ParseWorkflowExecutionName(
      callback.workflow_execution().name(), "workflow_execution.name");
  if (!name.ok()) return name.status();
  jumio::CallOptions options;
  options.deadline = clock_.Now() + upstream_timeout_;

  absl::Notification done;
  absl::StatusOr<v1::WorkflowExecution> details;
  jumio_->GetWorkflowExecutionDetails(
      {name->region, name->account, name->workflow_execution},
      /*include_raw=*/false, options,
      [&done, &details](absl::StatusOr<v1::WorkflowExecution> fetched) {
        details = std::move(fetched);
        done.Notify();
      });
  done.WaitForNotification();
  if (!details.ok()) return details.status();
  return codec::BuildCallbackEnrichment(*details);
}

ComponentEraser::ComponentEraser(callbacks::CallbackComponent* component,
                                 jumio::JumioApi* jumio,
                                 observability::Logger* logger,
                                 const core::Clock& clock, Options options)
    : component_(component),
      jumio_(jumio),
      logger_(logger),
      clock_(clock),
      options_(options),
      pool_(1, 1024) {}

ComponentEraser::~ComponentEraser() { Stop(); }

absl::Status ComponentEraser::Begin(const std::string& region,
                                    const std::string& account_id,
                                    const std::string& workflow_execution_id) {
  return component_->log()->PutErasureIntent(
      {region, account_id, workflow_execution_id});
}

absl::Status ComponentEraser::EraseNow(const callbacks::ErasureIntent& intent) {
  absl::Status s =
      component_->Erase(codec::RegionFromId(intent.region), intent.account_id,
                        intent.workflow_execution_id);
  if (s.ok()) s = component_->log()->DeleteErasureIntent(intent);
  if (s.ok()) {
    completed_.fetch_add(1);
  } else {
    failed_.fetch_add(1);
    if (logger_ != nullptr) {
      // Ids only; the store's message is not logged (it may name content).
      logger_->Warning("erasure failed; it is resumed later",
                       {{"account_id", intent.account_id},
                        {"workflow_execution_id", intent.workflow_execution_id},
                        {"code", absl::StatusCodeToString(s.code())}});
    }
  }
  return s;
}

void ComponentEraser::Erase(const std::string& region,
                            const std::string& account_id,
                            const std::string& workflow_execution_id,
                            absl::AnyInvocable<void(absl::Status) &&> done) {
  auto shared = std::make_shared<absl::AnyInvocable<void(absl::Status) &&>>(
      std::move(done));
  const bool queued = pool_.TrySubmit(
      [this,
       intent =
           callbacks::ErasureIntent{region, account_id, workflow_execution_id},
       shared]() mutable { std::move (*shared)(EraseNow(intent)); });
  if (!queued) {
    failed_.fetch_add(1);
    std::move (*shared)(absl::UnavailableError("erasure queue full"));
  }
}

void ComponentEraser::Abandon(const std::string& region,
                              const std::string& account_id,
                              const std::string& workflow_execution_id) {
  // Dropped when the queue is full: the resume pass then re-sends the
  // delete and drops it on Jumio's answer.
  (void)pool_.TrySubmit([this, intent = callbacks::ErasureIntent{
                                   region, account_id, workflow_execution_id}] {
    component_->log()->DeleteErasureIntent(intent).IgnoreError();
  });
}

void ComponentEraser::ResumePass() {
  absl::StatusOr<std::vector<callbacks::ErasureIntent>> intents =
      component_->log()->ErasureIntents(options_.resume_batch);
  if (!intents.ok()) return;
  pending_.store(static_cast<int64_t>(intents->size()));
  for (const callbacks::ErasureIntent& intent : *intents) {
    {
      absl::MutexLock l(&mu_);
      if (stopping_) return;
    }
    // Whether the delete reached Jumio before the gateway died is unknown:
    // send it again (idempotent at Jumio; 404 when it is gone already).
    jumio::CallOptions call;
    call.deadline = clock_.Now() + options_.upstream_timeout;
    call.attempt_timeout = options_.upstream_timeout;
    absl::Notification answered;
    absl::Status status;
    auto done = [&](absl::Status s) {
      status = std::move(s);
      answered.Notify();
    };
    jumio::JumioApi::Handle handle =
        intent.workflow_execution_id.empty()
            ? jumio_->DeleteAccount({intent.region, intent.account_id}, call,
                                    done)
            : jumio_->DeleteWorkflowExecution({intent.region, intent.account_id,
                                               intent.workflow_execution_id},
                                              call, done);
    answered.WaitForNotificationWithTimeout(options_.upstream_timeout +
                                            absl::Seconds(5));
    if (!answered.HasBeenNotified()) {
      if (handle != nullptr) handle->Cancel();
      answered.WaitForNotification();
    }
    if (!status.ok() && !absl::IsNotFound(status)) {
      // Jumio did not confirm: next pass. (A refusal stays pending too: the
      // pending gauge shows it, and a delete the caller sends again that
      // Jumio refuses drops it.)
      failed_.fetch_add(1);
      continue;
    }
    if (EraseNow(intent).ok()) pending_.fetch_sub(1);
  }
}

void ComponentEraser::ResumeLoop() {
  for (int pass = 0;; ++pass) {
    ResumePass();
    absl::MutexLock l(&mu_);
    if (mu_.AwaitWithTimeout(
            absl::Condition(
                +[](bool* stopping) { return *stopping; }, &stopping_),
            options_.resume_interval)) {
      return;
    }
  }
}

void ComponentEraser::Start() {
  resume_ = std::thread([this] { ResumeLoop(); });
}

void ComponentEraser::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (resume_.joinable()) resume_.join();
}

ComponentEraser::Counts ComponentEraser::counts() const {
  return {completed_.load(), failed_.load(), pending_.load()};
}

}  // namespace jumio_gateway::api
