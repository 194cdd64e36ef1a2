// The resource names of the v1 API, as the services use them: parsing and
// formatting are core's (server/core/resource_names.h), shared with the codec
// and the callback parser so that all three apply one id rule. What is added
// here is the API's own choice of a region for calls that name none.
#ifndef JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_
#define JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/common.pb.h"
#include "server/core/regions.h"
#include "server/core/resource_names.h"

namespace jumio_gateway::api {

using core::AccountName;
using core::IsValidId;
using core::ParseAccountName;
using core::ParsePartName;
using core::ParseWorkflowExecutionName;
using core::PartName;
using core::RegionFromId;
using core::RegionId;
using core::WorkflowExecutionName;

// The region id of `region`, or `default_region` for REGION_UNSPECIFIED;
// INVALID_ARGUMENT on `field` for values this gateway does not know.
absl::StatusOr<std::string> ResolveRegion(::jumio::gateway::v1::Region region,
                                          const std::string& default_region,
                                          absl::string_view field);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_
