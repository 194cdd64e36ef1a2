#include "server/errors/grpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "server/errors/errors.h"

namespace jumio_gateway::errors {
namespace {

using ::jumio::gateway::v1::ErrorReason;

ErrorReason DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return ::jumio::gateway::v1::ERROR_REASON_INVALID_FIELD;
    case absl::StatusCode::kNotFound:
      return ::jumio::gateway::v1::ERROR_REASON_NOT_FOUND;
    case absl::StatusCode::kDeadlineExceeded:
      return ::jumio::gateway::v1::ERROR_REASON_UPSTREAM_TIMEOUT;
    case absl::StatusCode::kUnavailable:
      return ::jumio::gateway::v1::ERROR_REASON_UPSTREAM_UNAVAILABLE;
    case absl::StatusCode::kUnimplemented:
      return ::jumio::gateway::v1::ERROR_REASON_NOT_IMPLEMENTED;
    case absl::StatusCode::kUnauthenticated:
      return ::jumio::gateway::v1::ERROR_REASON_CALLER_UNAUTHENTICATED;
    case absl::StatusCode::kPermissionDenied:
      return ::jumio::gateway::v1::ERROR_REASON_CALLER_PERMISSION_DENIED;
    default:
      return ::jumio::gateway::v1::ERROR_REASON_INTERNAL;
  }
}

template <typename Message>
void AddDetail(google::rpc::Status& rpc_status, const Message& message) {
  rpc_status.add_details()->PackFrom(message);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));

  absl::optional<google::rpc::ErrorInfo> info = errors::GetErrorInfo(status);
  if (!info.has_value()) {
    info.emplace();
    info->set_domain(errors::kDomain);
    info->set_reason(errors::ReasonName(DefaultReason(status.code())));
  }
  AddDetail(rpc_status, *info);
  if (auto bad_request = errors::GetBadRequest(status)) {
    AddDetail(rpc_status, *bad_request);
  }
  if (auto retry = errors::GetRetryInfo(status)) AddDetail(rpc_status, *retry);

  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      rpc_status.SerializeAsString());
}

}  // namespace jumio_gateway::errors
