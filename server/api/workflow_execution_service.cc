#include "server/api/workflow_execution_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/api/grpc_status.h"
#include "server/api/jumio_rpc.h"
#include "server/api/pagination.h"
#include "server/api/resource_names.h"
#include "server/jumio/codec/account_codec.h"
#include "server/jumio/codec/retrieval_codec.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

std::string WorkflowPath(const WorkflowExecutionName& name) {
  return absl::StrCat("/api/v1/accounts/", name.account,
                      "/workflow-executions/", name.workflow_execution);
}

jumio::JumioCall Retrieval(const ServiceContext& services,
                           const grpc::CallbackServerContext& context,
                           const std::string& region, std::string path,
                           std::string endpoint) {
  jumio::JumioCall call;
  call.region = region;
  call.host = config::HostKind::kRetrieval;
  call.path = std::move(path);
  call.endpoint = std::move(endpoint);
  call.deadline = UpstreamDeadline(context, services.clock(),
                                   services.config->upstream_timeout);
  return call;
}

template <typename Item, typename Repeated>
void CopyPage(const std::vector<Item>& items, const Page& page, Repeated* out) {
  for (size_t i = page.offset; i < items.size() && i < page.offset + page.size;
       ++i) {
    *out->Add() = items[i];
  }
}

}  // namespace

grpc::ServerUnaryReactor* WorkflowExecutionService::FinalizeWorkflowExecution(
    grpc::CallbackServerContext* context,
    const v1::FinalizeWorkflowExecutionRequest* request,
    v1::FinalizeWorkflowExecutionResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  jumio::JumioCall call;
  call.region = name->region;
  call.host = config::HostKind::kApi;
  call.method = "PUT";
  call.path = WorkflowPath(*name);
  call.endpoint = "workflow_finalize";
  call.deadline = UpstreamDeadline(*context, context_.clock(),
                                   context_.config->upstream_timeout);
  return UnaryJumioRpc::Start(
      context, *context_.jumio, std::move(call),
      [response, name = *name](const jumio::HttpResponse& http) {
        auto parsed = codec::ReadFinalizeResponse(http.body, name.region);
        if (!parsed.ok()) return parsed.status();
        *response = *std::move(parsed);
        // Jumio's finalize answer may omit ids; the request names them for
        // sure.
        if (response->name().empty()) response->set_name(name.Format());
        if (response->id().empty()) response->set_id(name.workflow_execution);
        if (response->account_id().empty()) {
          response->set_account_id(name.account);
        }
        if (response->account().empty()) {
          response->set_account(
              AccountName{name.region, name.account}.Format());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::GetWorkflowExecutionStatus(
    grpc::CallbackServerContext* context,
    const v1::GetWorkflowExecutionStatusRequest* request,
    v1::GetWorkflowExecutionStatusResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  return UnaryJumioRpc::Start(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region,
                WorkflowPath(*name) + "/status", "retrieval_workflow_status"),
      [response, region = name->region](const jumio::HttpResponse& http) {
        auto parsed = codec::ReadWorkflowExecutionStatus(http.body, region);
        if (!parsed.ok()) return parsed.status();
        *response->mutable_workflow_execution() = *std::move(parsed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::GetWorkflowExecution(
    grpc::CallbackServerContext* context,
    const v1::GetWorkflowExecutionRequest* request,
    v1::GetWorkflowExecutionResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  const bool full = request->view() == v1::WORKFLOW_EXECUTION_VIEW_FULL;
  return UnaryJumioRpc::Start(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region, WorkflowPath(*name),
                "retrieval_workflow_details"),
      [response, region = name->region, full](const jumio::HttpResponse& http) {
        auto parsed = codec::ReadWorkflowExecution(http.body, region, full);
        if (!parsed.ok()) return parsed.status();
        *response->mutable_workflow_execution() = *std::move(parsed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::ListWorkflowExecutionSteps(
    grpc::CallbackServerContext* context,
    const v1::ListWorkflowExecutionStepsRequest* request,
    v1::ListWorkflowExecutionStepsResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->parent(), "parent");
  if (!name.ok()) return FinishNow(context, name.status());
  absl::StatusOr<Page> page =
      ParsePage(request->page_size(), request->page_token(), request->parent(),
                /*default_size=*/50, /*max_size=*/100);
  if (!page.ok()) return FinishNow(context, page.status());
  return UnaryJumioRpc::Start(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region,
                WorkflowPath(*name) + "/steps", "retrieval_workflow_steps"),
      [response, page = *page,
       parent = request->parent()](const jumio::HttpResponse& http) {
        auto steps = codec::ReadWorkflowSteps(http.body);
        if (!steps.ok()) return steps.status();
        CopyPage(*steps, page, response->mutable_steps());
        response->set_next_page_token(
            NextPageToken(page, steps->size(), parent));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::ListWorkflowExecutions(
    grpc::CallbackServerContext* context,
    const v1::ListWorkflowExecutionsRequest* request,
    v1::ListWorkflowExecutionsResponse* response) {
  absl::StatusOr<AccountName> name =
      ParseAccountName(request->parent(), "parent");
  if (!name.ok()) return FinishNow(context, name.status());
  absl::StatusOr<Page> page =
      ParsePage(request->page_size(), request->page_token(), request->parent(),
                /*default_size=*/100, /*max_size=*/1000);
  if (!page.ok()) return FinishNow(context, page.status());
  return UnaryJumioRpc::Start(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region,
                absl::StrCat("/api/v1/accounts/", name->account),
                "retrieval_account"),
      [response, page = *page, name = *name,
       parent = request->parent()](const jumio::HttpResponse& http) {
        auto executions = codec::ReadAccountWorkflowExecutions(
            http.body, name.region, name.account);
        if (!executions.ok()) return executions.status();
        CopyPage(*executions, page, response->mutable_workflow_executions());
        response->set_next_page_token(
            NextPageToken(page, executions->size(), parent));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::DeleteWorkflowExecution(
    grpc::CallbackServerContext* context,
    const v1::DeleteWorkflowExecutionRequest* request,
    v1::DeleteWorkflowExecutionResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  jumio::JumioCall call = Retrieval(context_, *context, name->region,
                                    WorkflowPath(*name), "workflow_delete");
  call.method = "DELETE";
  response->set_name(name->Format());
  const bool allow_missing = request->allow_missing();
  return UnaryJumioRpc::Start(
      context, *context_.jumio, std::move(call),
      [](const jumio::HttpResponse&) { return absl::OkStatus(); },
      [allow_missing](absl::Status status) {
        if (allow_missing && status.code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        return status;
      });
}

}  // namespace jumio_gateway::api
