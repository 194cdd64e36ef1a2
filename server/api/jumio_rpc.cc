#include "server/api/jumio_rpc.h"

#include <chrono>
#include <utility>

#include "server/errors/grpc_status.h"
#include "server/observability/grpc_server_metrics.h"

namespace jumio_gateway::api {

absl::Time UpstreamDeadline(const grpc::CallbackServerContext& context,
                            absl::Time now, absl::Duration cap) {
  const auto deadline = context.deadline();
  const absl::Time capped = now + cap;
  if (deadline == std::chrono::system_clock::time_point::max()) return capped;
  return std::min(absl::FromChrono(deadline), capped);
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(errors::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* UnaryJumioRpc::Start(
    grpc::CallbackServerContext* context, jumio::JumioClient& client,
    absl::StatusOr<jumio::JumioCall> call, Parse parse, OnError on_error) {
  auto* rpc = new UnaryJumioRpc(std::move(parse), std::move(on_error));
  if (!call.ok()) {
    rpc->Finish(errors::ToGrpcStatus(call.status()));
    return rpc;
  }
  call->request_id = observability::RequestId(*context);
  std::shared_ptr<jumio::CallHandle> handle = client.Call(
      *std::move(call), [rpc](absl::StatusOr<jumio::HttpResponse> response) {
        rpc->Complete(std::move(response));
      });
  bool cancel_now;
  {
    absl::MutexLock lock(&rpc->mu_);
    rpc->handle_ = handle;
    cancel_now = rpc->cancelled_;
  }
  // OnCancel may have run before the handle existed.
  if (cancel_now) handle->Cancel();
  return rpc;
}

void UnaryJumioRpc::OnCancel() {
  std::shared_ptr<jumio::CallHandle> handle;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    handle = handle_;
  }
  if (handle != nullptr) handle->Cancel();
}

void UnaryJumioRpc::Complete(absl::StatusOr<jumio::HttpResponse> response) {
  absl::Status status = response.ok() ? std::move(parse_)(*response)
                                      : std::move(response).status();
  if (!status.ok() && on_error_) status = std::move(on_error_)(status);
  Finish(errors::ToGrpcStatus(status));
}

}  // namespace jumio_gateway::api
