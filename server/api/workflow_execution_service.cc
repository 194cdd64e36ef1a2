#include "server/api/workflow_execution_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/api/pagination.h"
#include "server/api/reactors.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {

using ::google::protobuf::util::FieldMaskUtil;
namespace {

namespace v1 = ::jumio::gateway::v1;

jumio::WorkflowExecutionRef Ref(const WorkflowExecutionName& name) {
  return {name.region, name.account, name.workflow_execution};
}

// A List RPC over a Jumio document that holds the whole list: validate the
// page, make the one Jumio call (`list`), and answer one AIP-158 page of what
// it returns.
template <typename Item, typename Repeated>
grpc::ServerUnaryReactor* ListPage(
    grpc::CallbackServerContext* context, const std::string& parent,
    int32_t page_size, const std::string& page_token, size_t default_size,
    size_t max_size,
    absl::AnyInvocable<
        jumio::JumioApi::Handle(jumio::JumioApi::Done<std::vector<Item>>) &&>
        list,
    Repeated* items, std::string* next_page_token) {
  absl::StatusOr<Page> page =
      ParsePage(page_size, page_token, parent, default_size, max_size);
  if (!page.ok()) return FinishNow(context, page.status());
  return UnaryUpstreamRpc::Start(
      [page = *page, parent, list = std::move(list), items,
       next_page_token](UnaryUpstreamRpc::Finisher finish) mutable {
        return std::move(list)(
            [page, parent, items, next_page_token, finish = std::move(finish)](
                absl::StatusOr<std::vector<Item>> all) mutable {
              if (all.ok()) {
                for (size_t i = page.offset;
                     i < all->size() && i < page.offset + page.size; ++i) {
                  *items->Add() = std::move((*all)[i]);
                }
                *next_page_token = NextPageToken(page, all->size(), parent);
              }
              std::move(finish)(all.status());
            });
      });
}

}  // namespace

jumio::CallOptions WorkflowExecutionService::Options(
    const grpc::CallbackServerContext& context) const {
  return UpstreamOptions(context, context_.clock->Now(),
                         context_.options.upstream_timeout);
}

grpc::ServerUnaryReactor* WorkflowExecutionService::FinalizeWorkflowExecution(
    grpc::CallbackServerContext* context,
    const v1::FinalizeWorkflowExecutionRequest* request,
    v1::FinalizeWorkflowExecutionResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
  return UnaryUpstreamRpc::Start([this, name = *name,
                                  options = Options(*context),
                                  response](UnaryUpstreamRpc::Finisher finish) {
    return context_.jumio->FinalizeWorkflowExecution(
        Ref(name), options,
        [this, name, response, finish = std::move(finish)](
            absl::StatusOr<v1::FinalizeWorkflowExecutionResponse>
                parsed) mutable {
          if (!parsed.ok()) {
            std::move(finish)(parsed.status());
            return;
          }
          // The retrieval schedule starts now.
          if (context_.executions != nullptr) {
            context_.executions->Finalized(name.workflow_execution);
          }
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
          std::move(finish)(absl::OkStatus());
        });
  });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::GetWorkflowExecutionStatus(
    grpc::CallbackServerContext* context,
    const v1::GetWorkflowExecutionStatusRequest* request,
    v1::GetWorkflowExecutionStatusResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
  return UnaryUpstreamRpc::Start([this, execution = Ref(*name),
                                  options = Options(*context),
                                  response](UnaryUpstreamRpc::Finisher finish) {
    return context_.jumio->GetWorkflowExecutionStatus(
        execution, options,
        [response, finish = std::move(finish)](
            absl::StatusOr<v1::WorkflowExecutionSummary> parsed) mutable {
          if (parsed.ok()) {
            *response->mutable_workflow_execution() = *std::move(parsed);
          }
          std::move(finish)(parsed.status());
        });
  });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::GetWorkflowExecution(
    grpc::CallbackServerContext* context,
    const v1::GetWorkflowExecutionRequest* request,
    v1::GetWorkflowExecutionResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name(),
                request->view() == v1::WORKFLOW_EXECUTION_VIEW_FULL);
      !s.ok()) {
    return FinishNow(context, s);
  }
  // AIP-157: the caller names the fields it wants, so that one that needs no
  // personal data never receives it ("capabilities.extraction" left out).
  const bool masked = request->read_mask().paths_size() > 0;
  const auto& paths = request->read_mask().paths();
  if (masked &&
      (std::any_of(paths.begin(), paths.end(),
                   [](const std::string& path) { return path.empty(); }) ||
       !FieldMaskUtil::IsValidFieldMask<v1::WorkflowExecution>(
           request->read_mask()))) {
    return FinishNow(
        context,
        errors::InvalidField(
            "read_mask",
            "every path must name a field of WorkflowExecution, such as "
            "\"decision\" or \"capabilities.liveness\""));
  }
  const bool full = request->view() == v1::WORKFLOW_EXECUTION_VIEW_FULL;
  return UnaryUpstreamRpc::Start(
      [this, execution = Ref(*name), full, options = Options(*context),
       response,
       mask = masked ? request->read_mask() : google::protobuf::FieldMask()](
          UnaryUpstreamRpc::Finisher finish) {
        return context_.jumio->GetWorkflowExecutionDetails(
            execution, full, options,
            [response, mask, finish = std::move(finish)](
                absl::StatusOr<v1::WorkflowExecution> parsed) mutable {
              if (parsed.ok()) {
                *response->mutable_workflow_execution() = *std::move(parsed);
                if (mask.paths_size() > 0) {
                  FieldMaskUtil::TrimMessage(
                      mask, response->mutable_workflow_execution());
                }
              }
              std::move(finish)(parsed.status());
            });
      });
}

grpc::ServerUnaryReactor* WorkflowExecutionService::ListWorkflowExecutionSteps(
    grpc::CallbackServerContext* context,
    const v1::ListWorkflowExecutionStepsRequest* request,
    v1::ListWorkflowExecutionStepsResponse* response) {
  absl::StatusOr<WorkflowExecutionName> name =
      ParseWorkflowExecutionName(request->parent(), "parent");
  if (!name.ok()) return FinishNow(context, name.status());
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->parent());
      !s.ok()) {
    return FinishNow(context, s);
  }
  return ListPage<v1::WorkflowStep>(
      context, request->parent(), request->page_size(), request->page_token(),
      /*default_size=*/50, /*max_size=*/100,
      [this, execution = Ref(*name), options = Options(*context)](
          jumio::JumioApi::Done<std::vector<v1::WorkflowStep>> done) {
        return context_.jumio->ListWorkflowExecutionSteps(execution, options,
                                                          std::move(done));
      },
      response->mutable_steps(), response->mutable_next_page_token());
}

grpc::ServerUnaryReactor* WorkflowExecutionService::ListWorkflowExecutions(
    grpc::CallbackServerContext* context,
    const v1::ListWorkflowExecutionsRequest* request,
    v1::ListWorkflowExecutionsResponse* response) {
  absl::StatusOr<AccountName> name =
      ParseAccountName(request->parent(), "parent");
  if (!name.ok()) return FinishNow(context, name.status());
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->parent());
      !s.ok()) {
    return FinishNow(context, s);
  }
  return ListPage<v1::WorkflowExecutionSummary>(
      context, request->parent(), request->page_size(), request->page_token(),
      /*default_size=*/100, /*max_size=*/1000,
      [this, account = jumio::AccountRef{name->region, name->account},
       options = Options(*context)](
          jumio::JumioApi::Done<std::vector<v1::WorkflowExecutionSummary>>
              done) {
        return context_.jumio->ListWorkflowExecutions(account, options,
                                                      std::move(done));
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
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
  response->set_name(name->Format());
  if (context_.eraser != nullptr) {
    absl::Status begun = context_.eraser->Begin(name->region, name->account,
                                                name->workflow_execution);
    if (!begun.ok()) return FinishNow(context, begun);
  }
  return UnaryUpstreamRpc::Start(
      [this, execution = Ref(*name), options = Options(*context),
       allow_missing =
           request->allow_missing()](UnaryUpstreamRpc::Finisher finish) {
        return context_.jumio->DeleteWorkflowExecution(
            execution, options,
            [this, execution, allow_missing,
             finish = std::move(finish)](absl::Status status) mutable {
              if (AllowMissing(allow_missing, status).ok() &&
                  context_.executions != nullptr) {
                context_.executions->Deleted(execution.workflow_execution);
              }
              // Gone at Jumio: the gateway's own records of it go too.
              EraseAfterDelete(context_, execution.region, execution.account,
                               execution.workflow_execution, allow_missing,
                               std::move(status), std::move(finish));
            });
      });
}

}  // namespace jumio_gateway::api
