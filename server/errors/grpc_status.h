// The one place where the gateway's internal absl::Status becomes the
// grpc::Status a caller sees (DESIGN.md section 3): the same code and message,
// and a google.rpc.Status in the grpc-status-details-bin trailer with exactly
// one ErrorInfo, plus BadRequest and RetryInfo when the error carries them.
#ifndef JUMIO_GATEWAY_SERVER_ERRORS_GRPC_STATUS_H_
#define JUMIO_GATEWAY_SERVER_ERRORS_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace jumio_gateway::errors {

// OK stays OK. An error without an ErrorInfo gets one whose reason follows from
// its code, so that callers can always branch on ErrorInfo.reason.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace jumio_gateway::errors

#endif  // JUMIO_GATEWAY_SERVER_ERRORS_GRPC_STATUS_H_
