#include "server/errors/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"

namespace jumio_gateway::errors {
namespace {

constexpr absl::string_view kReasonPrefix = "ERROR_REASON_";

template <typename Message>
std::string TypeUrl() {
  return "type.googleapis.com/" + Message::descriptor()->full_name();
}

template <typename Message>
absl::optional<Message> GetDetail(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrl<Message>());
  if (!payload.has_value()) return absl::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return absl::nullopt;
  return message;
}

template <typename Message>
void SetDetail(absl::Status& status, const Message& message) {
  if (status.ok()) return;
  status.SetPayload(TypeUrl<Message>(),
                    absl::Cord(message.SerializeAsString()));
}

}  // namespace

std::string ReasonName(ErrorReason reason) {
  std::string name = ::jumio::gateway::v1::ErrorReason_Name(reason);
  if (absl::StartsWith(name, kReasonPrefix))
    name.erase(0, kReasonPrefix.size());
  return name;
}

absl::Status Error(absl::StatusCode code, ErrorReason reason,
                   absl::string_view message, const Metadata& metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_domain(kDomain);
  info.set_reason(ReasonName(reason));
  for (const auto& [key, value] : metadata)
    (*info.mutable_metadata())[key] = value;
  SetDetail(status, info);
  return status;
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  absl::Status status =
      Error(absl::StatusCode::kInvalidArgument,
            ::jumio::gateway::v1::ERROR_REASON_INVALID_FIELD,
            std::string(field) + ": " + std::string(description));
  AddFieldViolation(status, field, description);
  return status;
}

void AddFieldViolation(absl::Status& status, absl::string_view field,
                       absl::string_view description) {
  google::rpc::BadRequest bad_request =
      GetDetail<google::rpc::BadRequest>(status).value_or(
          google::rpc::BadRequest());
  google::rpc::BadRequest::FieldViolation* violation =
      bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  SetDetail(status, bad_request);
}

void AddMetadata(absl::Status& status, const Metadata& metadata) {
  google::rpc::ErrorInfo info =
      GetDetail<google::rpc::ErrorInfo>(status).value_or(
          google::rpc::ErrorInfo());
  if (info.domain().empty()) {
    info.set_domain(kDomain);
    info.set_reason(ReasonName(::jumio::gateway::v1::ERROR_REASON_INTERNAL));
  }
  for (const auto& [key, value] : metadata)
    (*info.mutable_metadata())[key] = value;
  SetDetail(status, info);
}

void SetRetryDelay(absl::Status& status, absl::Duration delay) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));
  SetDetail(status, retry);
}

absl::optional<google::rpc::ErrorInfo> GetErrorInfo(
    const absl::Status& status) {
  return GetDetail<google::rpc::ErrorInfo>(status);
}

absl::optional<google::rpc::BadRequest> GetBadRequest(
    const absl::Status& status) {
  return GetDetail<google::rpc::BadRequest>(status);
}

absl::optional<google::rpc::RetryInfo> GetRetryInfo(
    const absl::Status& status) {
  return GetDetail<google::rpc::RetryInfo>(status);
}

}  // namespace jumio_gateway::errors
