#include "server/jumio/client_jumio_api.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/jumio/codec/account_codec.h"
#include "server/jumio/codec/credential_codec.h"
#include "server/jumio/codec/platform_codec.h"
#include "server/jumio/codec/retrieval_codec.h"
#include "server/jumio/multipart.h"

namespace jumio_gateway::jumio {
namespace {

namespace v1 = ::jumio::gateway::v1;

std::string AccountPath(const std::string& account) {
  return absl::StrCat("/api/v1/accounts/", account);
}

std::string WorkflowPath(const WorkflowExecutionRef& execution) {
  return absl::StrCat(AccountPath(execution.account), "/workflow-executions/",
                      execution.workflow_execution);
}

JumioCall NewCall(const std::string& region, jumio::HostKind host,
                  std::string method, std::string path, std::string endpoint,
                  const CallOptions& options) {
  JumioCall call;
  call.region = region;
  call.host = host;
  call.method = std::move(method);
  call.path = std::move(path);
  call.endpoint = std::move(endpoint);
  call.deadline = options.deadline;
  call.attempt_timeout = options.attempt_timeout;
  call.request_id = options.request_id;
  return call;
}

// Sends `call` and hands `done` what `read` makes of the 2xx answer.
template <typename T, typename Read>
JumioApi::Handle Send(JumioClient& client, JumioCall call, Read read,
                      JumioApi::Done<T> done) {
  return client.Call(std::move(call),
                     [read = std::move(read), done = std::move(done)](
                         absl::StatusOr<HttpResponse> http) mutable {
                       if (!http.ok()) {
                         std::move(done)(http.status());
                         return;
                       }
                       std::move(done)(read(*http));
                     });
}

JumioApi::Handle SendForStatus(JumioClient& client, JumioCall call,
                               JumioApi::DoneStatus done) {
  return client.Call(
      std::move(call),
      [done = std::move(done)](absl::StatusOr<HttpResponse> http) mutable {
        std::move(done)(http.status());
      });
}

}  // namespace

JumioApi::Handle ClientJumioApi::CreateAccount(
    AccountWrite request, const CallOptions& options,
    Done<v1::CreateAccountResponse> done) {
  JumioCall call =
      NewCall(request.account.region, jumio::HostKind::kAccount, "POST",
              "/api/v1/accounts", "account_create", options);
  call.body = absl::Cord(std::move(request.json_body));
  call.content_type = "application/json";
  return Send<v1::CreateAccountResponse>(
      *client_, std::move(call),
      [region = request.account.region](const HttpResponse& http) {
        return codec::ReadCreateAccountResponse(http.body, region);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::UpdateAccount(
    AccountWrite request, const CallOptions& options,
    Done<v1::UpdateAccountResponse> done) {
  JumioCall call =
      NewCall(request.account.region, jumio::HostKind::kAccount, "PUT",
              AccountPath(request.account.account), "account_update", options);
  call.body = absl::Cord(std::move(request.json_body));
  call.content_type = "application/json";
  return Send<v1::UpdateAccountResponse>(
      *client_, std::move(call),
      [region = request.account.region](const HttpResponse& http) {
        return codec::ReadUpdateAccountResponse(http.body, region);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::GetAccount(const AccountRef& account,
                                            const CallOptions& options,
                                            Done<v1::Account> done) {
  return Send<v1::Account>(
      *client_,
      NewCall(account.region, jumio::HostKind::kRetrieval, "GET",
              AccountPath(account.account), "retrieval_account", options),
      [account](const HttpResponse& http) {
        return codec::ReadAccount(http.body, account.region, account.account);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::DeleteAccount(const AccountRef& account,
                                               const CallOptions& options,
                                               DoneStatus done) {
  return SendForStatus(
      *client_,
      NewCall(account.region, jumio::HostKind::kRetrieval, "DELETE",
              AccountPath(account.account), "account_delete", options),
      std::move(done));
}

JumioApi::Handle ClientJumioApi::UploadPart(
    PartUpload request, const CallOptions& options,
    Done<v1::UploadCredentialPartResponse> done) {
  const PartRef& part = request.part;
  JumioCall call = NewCall(
      part.region, jumio::HostKind::kApi, request.replace ? "PUT" : "POST",
      absl::StrCat(AccountPath(part.account), "/workflow-executions/",
                   part.workflow_execution, "/credentials/", part.credential,
                   "/parts/", part.classifier),
      request.replace ? "part_upload_replace" : "part_upload_add", options);
  if (!request.credential_token.empty()) {
    call.authorization = "Bearer " + request.credential_token;
  }
  if (!request.prepared_data_json.empty()) {
    call.body = absl::Cord(std::move(request.prepared_data_json));
    call.content_type = "application/json";
  } else {
    MultipartCord multipart =
        BuildFileUploadCord("file", request.filename, request.content_type,
                            request.content, RandomBoundaryToken);
    // The body shares the chunks; from here it is the only holder.
    request.content.Clear();
    call.body = std::move(multipart.body);
    call.content_type = std::move(multipart.content_type);
  }
  return Send<v1::UploadCredentialPartResponse>(
      *client_, std::move(call),
      [region = part.region,
       credential = part.credential](const HttpResponse& http) {
        return codec::ReadPartUploadResponse(http.body, region, credential);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::GetPart(const PartDownload& request,
                                         const CallOptions& options,
                                         Done<PartContent> done) {
  const PartRef& part = request.part;
  JumioCall call =
      NewCall(part.region, jumio::HostKind::kRetrieval, "GET",
              absl::StrCat(AccountPath(part.account), "/credentials/",
                           part.credential, "/parts/", part.classifier),
              "retrieval_part", options);
  call.accept = "image/jpeg, image/png, application/pdf, */*";
  call.max_response_bytes = request.max_bytes;
  return client_->Call(
      std::move(call),
      [done = std::move(done)](absl::StatusOr<HttpResponse> http) mutable {
        if (!http.ok()) {
          std::move(done)(http.status());
          return;
        }
        PartContent content;
        auto type = http->headers.find("content-type");
        if (type != http->headers.end()) content.content_type = type->second;
        content.bytes = std::move(http->body);
        std::move(done)(std::move(content));
      });
}

JumioApi::Handle ClientJumioApi::FinalizeWorkflowExecution(
    const WorkflowExecutionRef& execution, const CallOptions& options,
    Done<v1::FinalizeWorkflowExecutionResponse> done) {
  return Send<v1::FinalizeWorkflowExecutionResponse>(
      *client_,
      NewCall(execution.region, jumio::HostKind::kApi, "PUT",
              WorkflowPath(execution), "workflow_finalize", options),
      [region = execution.region](const HttpResponse& http) {
        return codec::ReadFinalizeResponse(http.body, region);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::GetWorkflowExecutionStatus(
    const WorkflowExecutionRef& execution, const CallOptions& options,
    Done<v1::WorkflowExecutionSummary> done) {
  return Send<v1::WorkflowExecutionSummary>(
      *client_,
      NewCall(execution.region, jumio::HostKind::kRetrieval, "GET",
              WorkflowPath(execution) + "/status", "retrieval_workflow_status",
              options),
      [region = execution.region](const HttpResponse& http) {
        return codec::ReadWorkflowExecutionStatus(http.body, region);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::GetWorkflowExecutionDetails(
    const WorkflowExecutionRef& execution, bool include_raw,
    const CallOptions& options, Done<v1::WorkflowExecution> done) {
  return Send<v1::WorkflowExecution>(
      *client_,
      NewCall(execution.region, jumio::HostKind::kRetrieval, "GET",
              WorkflowPath(execution), "retrieval_workflow_details", options),
      [region = execution.region, include_raw](const HttpResponse& http) {
        return codec::ReadWorkflowExecution(http.body, region, include_raw);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::ListWorkflowExecutionSteps(
    const WorkflowExecutionRef& execution, const CallOptions& options,
    Done<std::vector<v1::WorkflowStep>> done) {
  return Send<std::vector<v1::WorkflowStep>>(
      *client_,
      NewCall(execution.region, jumio::HostKind::kRetrieval, "GET",
              WorkflowPath(execution) + "/steps", "retrieval_workflow_steps",
              options),
      [](const HttpResponse& http) {
        return codec::ReadWorkflowSteps(http.body);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::ListWorkflowExecutions(
    const AccountRef& account, const CallOptions& options,
    Done<std::vector<v1::WorkflowExecutionSummary>> done) {
  return Send<std::vector<v1::WorkflowExecutionSummary>>(
      *client_,
      NewCall(account.region, jumio::HostKind::kRetrieval, "GET",
              AccountPath(account.account), "retrieval_account", options),
      [account](const HttpResponse& http) {
        return codec::ReadAccountWorkflowExecutions(http.body, account.region,
                                                    account.account);
      },
      std::move(done));
}

JumioApi::Handle ClientJumioApi::DeleteWorkflowExecution(
    const WorkflowExecutionRef& execution, const CallOptions& options,
    DoneStatus done) {
  return SendForStatus(
      *client_,
      NewCall(execution.region, jumio::HostKind::kRetrieval, "DELETE",
              WorkflowPath(execution), "workflow_delete", options),
      std::move(done));
}

JumioApi::Handle ClientJumioApi::GetPlatformStatus(
    const std::string& region, const CallOptions& options,
    Done<v1::RegionPlatformStatus> done) {
  JumioCall call = NewCall(region, jumio::HostKind::kStatus, "GET", "",
                           "health_status", options);
  call.authenticate = false;
  return Send<v1::RegionPlatformStatus>(
      *client_, std::move(call),
      [region](const HttpResponse& http) {
        return codec::ReadPlatformStatus(http.body, region);
      },
      std::move(done));
}

}  // namespace jumio_gateway::jumio
