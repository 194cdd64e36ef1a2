#include "server/api/reactors.h"

#include <algorithm>
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

jumio::CallOptions UpstreamOptions(const grpc::CallbackServerContext& context,
                                   absl::Time now, absl::Duration cap) {
  jumio::CallOptions options;
  options.deadline = UpstreamDeadline(context, now, cap);
  options.request_id = observability::RequestId(context);
  return options;
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(errors::ToGrpcStatus(status));
  return reactor;
}

void UpstreamCalls::Add(jumio::JumioApi::Handle handle) {
  bool cancel_now;
  {
    absl::MutexLock lock(&mu_);
    handles_.push_back(handle);
    cancel_now = cancelled_;
  }
  if (cancel_now) handle->Cancel();
}

void UpstreamCalls::CancelAll() {
  std::vector<jumio::JumioApi::Handle> handles;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    handles = handles_;
  }
  for (auto& handle : handles) handle->Cancel();
}

grpc::ServerUnaryReactor* UnaryUpstreamRpc::Start(Launch launch) {
  auto* rpc = new UnaryUpstreamRpc();
  // A reactor's Finish before the method handler returned takes effect only
  // once it returned, so an upstream call that completes inline cannot delete
  // the reactor under Add.
  rpc->calls_.Add(std::move(launch)([rpc](absl::Status status) {
    rpc->Finish(errors::ToGrpcStatus(status));
  }));
  return rpc;
}

absl::Status AllowMissing(bool allow_missing, absl::Status status) {
  if (allow_missing && status.code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  return status;
}

}  // namespace jumio_gateway::api
