// Errors as every layer of the gateway produces them: an absl::Status whose
// payloads already hold the google.rpc details the caller will receive (one
// ErrorInfo, BadRequest field violations, RetryInfo). Lower layers attach what
// they know where they know it (the Jumio client knows the HTTP status and the
// endpoint, validation knows the field); api/ converts the result to a
// grpc::Status once, at the edge (server/errors/grpc_status.h).
#ifndef JUMIO_GATEWAY_SERVER_ERRORS_ERRORS_H_
#define JUMIO_GATEWAY_SERVER_ERRORS_ERRORS_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"
#include "jumio/gateway/v1/error.pb.h"

namespace jumio_gateway::errors {

// ErrorInfo.domain of every error the gateway returns.
inline constexpr char kDomain[] = "jumio-gateway";

using ErrorReason = ::jumio::gateway::v1::ErrorReason;
using Metadata = std::map<std::string, std::string>;

// ErrorInfo.reason for `reason`: the enum value name without "ERROR_REASON_".
std::string ReasonName(ErrorReason reason);

// An error with its one ErrorInfo. `message` is for people and must hold no
// secrets or personal data; `metadata` uses the keys error.proto documents
// (httpStatus, region, jumioEndpoint, ...).
absl::Status Error(absl::StatusCode code, ErrorReason reason,
                   absl::string_view message, const Metadata& metadata = {});

// INVALID_ARGUMENT / INVALID_FIELD with one BadRequest violation for `field` (a
// proto field path such as "workflow_definition.key").
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);

// Adds a BadRequest field violation to `status` (keeping those already there).
void AddFieldViolation(absl::Status& status, absl::string_view field,
                       absl::string_view description);

// Adds or replaces metadata entries of the status's ErrorInfo.
void AddMetadata(absl::Status& status, const Metadata& metadata);

// Marks `status` as retryable after `delay` (google.rpc.RetryInfo).
void SetRetryDelay(absl::Status& status, absl::Duration delay);

// The details carried by `status`, if any.
absl::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
absl::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status);
absl::optional<google::rpc::RetryInfo> GetRetryInfo(const absl::Status& status);

}  // namespace jumio_gateway::errors

#endif  // JUMIO_GATEWAY_SERVER_ERRORS_ERRORS_H_
