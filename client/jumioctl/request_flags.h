// Turning flag values and --request_json into request fields. Every error is a
// usage error with a message naming the flag.
#ifndef JUMIO_GATEWAY_CLIENT_JUMIOCTL_REQUEST_FLAGS_H_
#define JUMIO_GATEWAY_CLIENT_JUMIOCTL_REQUEST_FLAGS_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/jumioctl/env.h"

namespace jumio_gateway::client {

// The bytes of `path`, or of stdin for "-".
absl::StatusOr<std::string> ReadInput(const std::string& path);

// Fills `request` from the file named by --request_json, if given; unknown
// fields are errors.
absl::Status LoadRequestJson(const Env& env,
                             google::protobuf::Message* request);

// Accepts the short value name in any case, with '-' for '_' ("emea-1",
// "passport"), or the full name ("REGION_EMEA_1").
absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor& type,
                              const std::string& flag, const std::string& text);

// A positive duration such as 30s, 5m, 2h or 7d.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag,
                                                 const std::string& text);

// The value of --`flag` as an integer in [min, max].
absl::StatusOr<int64_t> ParseIntFlag(const Env& env, const std::string& flag,
                                     int64_t min, int64_t max);

void ToDurationProto(absl::Duration d, google::protobuf::Duration* out);

// --page_size (1 to `max`) and --page_token into a List request.
template <typename Request>
absl::Status ApplyPaging(const Env& env, int32_t max, Request* request) {
  if (env.args.Has("page_size")) {
    absl::StatusOr<int64_t> size = ParseIntFlag(env, "page_size", 1, max);
    if (!size.ok()) return size.status();
    request->set_page_size(static_cast<int32_t>(*size));
  }
  if (env.args.Has("page_token")) {
    request->set_page_token(env.args.Get("page_token"));
  }
  return absl::OkStatus();
}

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_JUMIOCTL_REQUEST_FLAGS_H_
