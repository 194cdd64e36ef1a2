// platform status.
#include <string>

#include "absl/status/statusor.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;

int PlatformStatus(Env& env) {
  v1::GetPlatformStatusRequest request;
  for (const std::string& text : env.args.GetAll("region")) {
    absl::StatusOr<int> region =
        ParseEnum(*v1::Region_descriptor(), "region", text);
    if (!region.ok())
      return UsageError(env, std::string(region.status().message()));
    request.add_regions(static_cast<v1::Region>(*region));
  }
  return CallAndEmit(env, &v1::PlatformService::Stub::GetPlatformStatus,
                     request, PlatformStatusText);
}

}  // namespace jumio_gateway::client
