#include "server/api/services.h"

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/api/account_service.h"
#include "server/api/credential_service.h"
#include "server/api/platform_service.h"
#include "server/api/reactors.h"
#include "server/api/workflow_execution_service.h"
#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

// The API surface is complete; the behaviour behind it arrives in stages. Until
// a stage lands, its RPCs answer UNIMPLEMENTED with ErrorInfo reason
// NOT_IMPLEMENTED and say which capability is missing, so that a caller never
// mistakes a missing feature for a Jumio failure.
constexpr char kJumioCore[] =
    "the Jumio REST core (accounts, credentials, workflow executions, "
    "retrieval, platform status)";
constexpr char kCallbackFeed[] =
    "the durable callback feed (receive, store, stream)";

absl::Status NotImplementedStatus(const char* rpc, const char* capability) {
  return errors::Error(
      absl::StatusCode::kUnimplemented, v1::ERROR_REASON_NOT_IMPLEMENTED,
      absl::StrCat(rpc, " is not implemented in this build: it needs ",
                   capability));
}

#define JG_UNARY_NOT_IMPLEMENTED(Rpc, capability)                            \
  grpc::ServerUnaryReactor* Rpc(grpc::CallbackServerContext* context,        \
                                const v1::Rpc##Request*, v1::Rpc##Response*) \
      override {                                                             \
    return FinishNow(context, NotImplementedStatus(#Rpc, capability));       \
  }

class UnavailableCallbackFeed final
    : public v1::CallbackFeedService::CallbackService {
  grpc::ServerWriteReactor<v1::WatchCallbacksResponse>* WatchCallbacks(
      grpc::CallbackServerContext*, const v1::WatchCallbacksRequest*) override {
    return new FinishedWriter<v1::WatchCallbacksResponse>(errors::ToGrpcStatus(
        NotImplementedStatus("WatchCallbacks", kCallbackFeed)));
  }
  JG_UNARY_NOT_IMPLEMENTED(AcknowledgeCallbacks, kCallbackFeed)
  JG_UNARY_NOT_IMPLEMENTED(ListCallbacks, kCallbackFeed)
};

#undef JG_UNARY_NOT_IMPLEMENTED

}  // namespace

Services::Services(ServiceContext context, grpc::Service* callback_feed) {
  owned_.push_back(std::make_unique<AccountService>(context));
  owned_.push_back(std::make_unique<CredentialService>(context));
  owned_.push_back(std::make_unique<WorkflowExecutionService>(context));
  owned_.push_back(std::make_unique<PlatformService>(context));
  if (callback_feed == nullptr) {
    owned_.push_back(std::make_unique<UnavailableCallbackFeed>());
  }
  for (const auto& service : owned_) services_.push_back(service.get());
  if (callback_feed != nullptr) services_.push_back(callback_feed);
}

Services::~Services() = default;

void Services::RegisterWith(grpc::ServerBuilder& builder) {
  for (grpc::Service* service : services_) builder.RegisterService(service);
}

std::vector<std::string> Services::ServiceNames() {
  return {v1::AccountService::service_full_name(),
          v1::CredentialService::service_full_name(),
          v1::WorkflowExecutionService::service_full_name(),
          v1::PlatformService::service_full_name(),
          v1::CallbackFeedService::service_full_name()};
}

void EraseAfterDelete(const ServiceContext& context, const std::string& region,
                      const std::string& account_id,
                      const std::string& workflow_execution_id,
                      bool allow_missing, absl::Status status,
                      absl::AnyInvocable<void(absl::Status) &&> finish) {
  const bool gone = status.ok() || absl::IsNotFound(status);
  status = AllowMissing(allow_missing, std::move(status));
  if (context.eraser == nullptr) {
    std::move(finish)(std::move(status));
    return;
  }
  if (!gone) {
    // Unknown whether Jumio deleted (timeouts, cut connections): the intent
    // stays, and its resume re-sends the delete. Any other answer is a
    // refusal: the intent goes.
    const absl::StatusCode code = status.code();
    if (code != absl::StatusCode::kUnavailable &&
        code != absl::StatusCode::kDeadlineExceeded &&
        code != absl::StatusCode::kCancelled &&
        code != absl::StatusCode::kAborted &&
        code != absl::StatusCode::kUnknown) {
      context.eraser->Abandon(region, account_id, workflow_execution_id);
    }
    std::move(finish)(std::move(status));
    return;
  }
  context.eraser->Erase(
      region, account_id, workflow_execution_id,
      [status = std::move(status),
       finish = std::move(finish)](absl::Status erased) mutable {
        if (!erased.ok()) {
          // Never the store's message: it may name what it was erasing.
          absl::Status failed = errors::Error(
              absl::StatusCode::kUnavailable,
              ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
              "deleted at Jumio, but erasing the gateway's own records "
              "failed: retry the delete");
          errors::SetRetryDelay(failed, absl::Seconds(1));
          std::move(finish)(std::move(failed));
          return;
        }
        std::move(finish)(std::move(status));
      });
}

}  // namespace jumio_gateway::api
