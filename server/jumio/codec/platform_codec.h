// Platform status: Jumio's health status document (GET status.{r}.jumio.ai).
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_PLATFORM_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_PLATFORM_CODEC_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/platform.pb.h"

namespace jumio_gateway::codec {

// Jumio's status response -> RegionPlatformStatus with `region` (from the
// region id "amer-1"), `status`/`raw_status`, and `services` when Jumio sent
// `details` (every member kept in `services.raw`, the six documented ones
// typed). `check_time`, `error_reason` and `error_message` are the caller's.
// MALFORMED when the body is not a JSON object or `status` is missing or not
// a string; an unknown status is HEALTH_STATUS_UNSPECIFIED with `raw_status`.
absl::StatusOr<::jumio::gateway::v1::RegionPlatformStatus> ReadPlatformStatus(
    absl::string_view body, absl::string_view region);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_PLATFORM_CODEC_H_
