#include "server/api/callback_integration.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/api/resource_names.h"
#include "server/jumio/codec/callback_codec.h"
#include "server/jumio/codec/retrieval_codec.h"

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
  jumio::JumioCall call;
  call.region = name->region;
  call.host = config::HostKind::kRetrieval;
  call.path = absl::StrCat("/api/v1/accounts/", name->account,
                           "/workflow-executions/", name->workflow_execution);
  call.endpoint = "retrieval_workflow_details";
  call.deadline = clock_() + config_.jumio.upstream_timeout;

  absl::Notification done;
  absl::StatusOr<jumio::HttpResponse> result;
  jumio_->Call(std::move(call),
               [&done, &result](absl::StatusOr<jumio::HttpResponse> response) {
                 result = std::move(response);
                 done.Notify();
               });
  done.WaitForNotification();
  if (!result.ok()) return result.status();
  absl::StatusOr<v1::WorkflowExecution> details =
      codec::ReadWorkflowExecution(result->body, name->region, false);
  if (!details.ok()) return details.status();
  return codec::BuildCallbackEnrichment(*details);
}

}  // namespace jumio_gateway::api
