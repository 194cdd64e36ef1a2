#include "server/api/callback_integration.h"

#include <memory>
#include <utility>

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

void ComponentEraser::Erase(const std::string& region,
                            const std::string& account_id,
                            const std::string& workflow_execution_id,
                            absl::AnyInvocable<void(absl::Status) &&> done) {
  auto shared = std::make_shared<absl::AnyInvocable<void(absl::Status) &&>>(
      std::move(done));
  const bool queued =
      pool_.TrySubmit([this, region = codec::RegionFromId(region), account_id,
                       workflow_execution_id, shared]() mutable {
        std::move (*shared)(
            component_->Erase(region, account_id, workflow_execution_id));
      });
  if (!queued) {
    std::move (*shared)(absl::UnavailableError("erasure queue full"));
  }
}

}  // namespace jumio_gateway::api
