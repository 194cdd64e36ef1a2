#include "server/jumio/upstream_errors.h"

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"
#include "server/jumio/codec/error_codec.h"

namespace jumio_gateway::jumio {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr absl::Duration kDefaultRetryDelay = absl::Seconds(1);
constexpr absl::Duration kMaxRetryDelay = absl::Minutes(5);

// Retry-After in seconds (Jumio documents none, but proxies in front of it send
// them).
absl::Duration RetryAfter(const HttpResponse& response) {
  auto header = response.headers.find("retry-after");
  int64_t seconds = 0;
  if (header != response.headers.end() &&
      absl::SimpleAtoi(header->second, &seconds) && seconds >= 0) {
    return std::min(absl::Seconds(seconds), kMaxRetryDelay);
  }
  return kDefaultRetryDelay;
}

}  // namespace

absl::Status StatusFromHttp(const HttpResponse& response,
                            const std::string& region,
                            const std::string& endpoint) {
  const int code = response.status;
  if (code >= 200 && code < 300) return absl::OkStatus();
  const errors::Metadata metadata = {{"httpStatus", absl::StrCat(code)},
                                     {"region", region},
                                     {"jumioEndpoint", endpoint}};
  absl::Status status;
  if (code == 400 || code == 422) {
    // Only the field's name, which the codec restricts to name characters,
    // so no submitted value can leak into the message.
    const std::string field = codec::ReadUpstreamError(response.body).field;
    status = errors::Error(
        absl::StatusCode::kInvalidArgument, v1::ERROR_REASON_UPSTREAM_REJECTED,
        field.empty()
            ? "Jumio rejected the request"
            : absl::StrCat("Jumio rejected the request: field ", field),
        metadata);
  } else if (code == 401 || code == 403) {
    status = errors::Error(
        absl::StatusCode::kUnavailable, v1::ERROR_REASON_UPSTREAM_AUTH_FAILED,
        "Jumio rejected the gateway's credentials", metadata);
  } else if (code == 404 || code == 410) {
    status =
        errors::Error(absl::StatusCode::kNotFound, v1::ERROR_REASON_NOT_FOUND,
                      "not found at Jumio", metadata);
  } else if (code == 409) {
    status = errors::Error(
        absl::StatusCode::kAborted, v1::ERROR_REASON_UPSTREAM_CONFLICT,
        "Jumio reports a conflict with the current state", metadata);
  } else if (code == 413) {
    status = errors::Error(absl::StatusCode::kInvalidArgument,
                           v1::ERROR_REASON_PAYLOAD_TOO_LARGE,
                           "Jumio rejected the upload as too large", metadata);
  } else if (code == 415) {
    status = errors::Error(absl::StatusCode::kInvalidArgument,
                           v1::ERROR_REASON_UNSUPPORTED_MEDIA_TYPE,
                           "Jumio rejected the upload's media type", metadata);
  } else if (code == 429) {
    status = errors::Error(absl::StatusCode::kResourceExhausted,
                           v1::ERROR_REASON_UPSTREAM_RATE_LIMITED,
                           "Jumio rate limit reached", metadata);
    errors::SetRetryDelay(status, RetryAfter(response));
  } else if (code >= 500) {
    status = errors::Error(
        absl::StatusCode::kUnavailable, v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
        absl::StrCat("Jumio answered HTTP ", code), metadata);
    errors::SetRetryDelay(status, RetryAfter(response));
  } else {
    status = errors::Error(
        absl::StatusCode::kInternal, v1::ERROR_REASON_INTERNAL,
        absl::StrCat("unexpected Jumio answer HTTP ", code), metadata);
  }
  return status;
}

absl::Status StatusFromTransport(const absl::Status& transport_error,
                                 const std::string& region,
                                 const std::string& endpoint) {
  const errors::Metadata metadata = {{"region", region},
                                     {"jumioEndpoint", endpoint}};
  switch (transport_error.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return errors::Error(absl::StatusCode::kDeadlineExceeded,
                           v1::ERROR_REASON_UPSTREAM_TIMEOUT,
                           "deadline passed while waiting for Jumio", metadata);
    case absl::StatusCode::kCancelled:
      return errors::Error(absl::StatusCode::kCancelled,
                           v1::ERROR_REASON_INTERNAL, "call cancelled",
                           metadata);
    default: {
      // The transport's own text names the host and port it tried (and
      // libcurl's reason): that is for the operator's log (JumioClient's
      // observer), never for the caller, who gets the region and endpoint.
      absl::Status status = errors::Error(
          absl::StatusCode::kUnavailable, v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
          absl::StrCat("Jumio unreachable (region ", region, ", endpoint ",
                       endpoint, ")"),
          metadata);
      errors::SetRetryDelay(status, kDefaultRetryDelay);
      return status;
    }
  }
}

}  // namespace jumio_gateway::jumio
