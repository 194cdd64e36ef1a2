#include "server/api/workflow_execution_service.h"

#include <functional>
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
                                   services.config->jumio.upstream_timeout);
  return call;
}

// A List RPC over a Jumio document that holds the whole list: validate the
// page, make the one Jumio call, and answer one AIP-158 page of what `read`
// finds in the body.
template <typename Item, typename Repeated>
grpc::ServerUnaryReactor* ListPage(
    grpc::CallbackServerContext* context, jumio::JumioClient& jumio,
    jumio::JumioCall call, const std::string& parent, int32_t page_size,
    const std::string& page_token, size_t default_size, size_t max_size,
    std::function<absl::StatusOr<std::vector<Item>>(absl::string_view)> read,
    Repeated* items, std::string* next_page_token) {
  absl::StatusOr<Page> page =
      ParsePage(page_size, page_token, parent, default_size, max_size);
  if (!page.ok()) return FinishNow(context, page.status());
  return UnaryJumioRpc::Start(
      context, jumio, std::move(call),
      [page = *page, parent, read = std::move(read), items,
       next_page_token](const jumio::HttpResponse& http) {
        absl::StatusOr<std::vector<Item>> all = read(http.body);
        if (!all.ok()) return all.status();
        for (size_t i = page.offset;
             i < all->size() && i < page.offset + page.size; ++i) {
          *items->Add() = (*all)[i];
        }
        *next_page_token = NextPageToken(page, all->size(), parent);
        return absl::OkStatus();
      });
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
                                   context_.config->jumio.upstream_timeout);
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
  return ListPage<v1::WorkflowStep>(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region,
                WorkflowPath(*name) + "/steps", "retrieval_workflow_steps"),
      request->parent(), request->page_size(), request->page_token(),
      /*default_size=*/50, /*max_size=*/100,
      [](absl::string_view body) { return codec::ReadWorkflowSteps(body); },
      response->mutable_steps(), response->mutable_next_page_token());
}

grpc::ServerUnaryReactor* WorkflowExecutionService::ListWorkflowExecutions(
    grpc::CallbackServerContext* context,
    const v1::ListWorkflowExecutionsRequest* request,
    v1::ListWorkflowExecutionsResponse* response) {
  absl::StatusOr<AccountName> name =
      ParseAccountName(request->parent(), "parent");
  if (!name.ok()) return FinishNow(context, name.status());
  return ListPage<v1::WorkflowExecutionSummary>(
      context, *context_.jumio,
      Retrieval(context_, *context, name->region,
                absl::StrCat("/api/v1/accounts/", name->account),
                "retrieval_account"),
      request->parent(), request->page_size(), request->page_token(),
      /*default_size=*/100, /*max_size=*/1000,
      [name = *name](absl::string_view body) {
        return codec::ReadAccountWorkflowExecutions(body, name.region,
                                                    name.account);
      },
      response->mutable_workflow_executions(),
      response->mutable_next_page_token());
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
