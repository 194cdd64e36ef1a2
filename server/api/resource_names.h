// AIP-122 resource names of the v1 API. The region is the first segment, so any
// replica can route any call without a lookup table:
//   regions/{region}/accounts/{account}
//   regions/{region}/accounts/{account}/workflowExecutions/{workflow_execution}
//   regions/{region}/accounts/{account}/workflowExecutions/{we}/credentials/{credential}/parts/{classifier}
//   regions/{region}/accounts/{account}/credentials/{credential}/parts/{classifier}
//   (download only)
// Ids are checked to be URL-path safe before they are put into a Jumio URL, so
// a name can never steer a request to another path or host.
#ifndef JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_
#define JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/common.pb.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::api {

struct AccountName {
  std::string region;  // "amer-1", ...
  std::string account;
  std::string Format() const;
};

struct WorkflowExecutionName {
  std::string region;
  std::string account;
  std::string workflow_execution;
  std::string Format() const;
};

struct PartName {
  std::string region;
  std::string account;
  std::string workflow_execution;  // empty in the short (download) form
  std::string credential;
  std::string classifier;  // as Jumio spells it: FRONT, BACK, FACE, ...
  std::string Format() const;
};

// Each parser fails with INVALID_ARGUMENT (reason INVALID_FIELD, a BadRequest
// violation naming `field`) when the name is malformed, names an unknown
// region, or has an unsafe id.
absl::StatusOr<AccountName> ParseAccountName(absl::string_view name,
                                             absl::string_view field);
absl::StatusOr<WorkflowExecutionName> ParseWorkflowExecutionName(
    absl::string_view name, absl::string_view field);
// Accepts the full form; with `allow_short_form`, also the form without the
// workflow execution.
absl::StatusOr<PartName> ParsePartName(absl::string_view name,
                                       absl::string_view field,
                                       bool allow_short_form);

// The region id of `region`, or `default_region` for REGION_UNSPECIFIED;
// INVALID_ARGUMENT on `field` for values this gateway does not know.
absl::StatusOr<std::string> ResolveRegion(::jumio::gateway::v1::Region region,
                                          const std::string& default_region,
                                          absl::string_view field);

// "amer-1" -> REGION_AMER_1 (REGION_UNSPECIFIED when unknown) and back: the
// codec's, which every module shares.
using codec::RegionFromId;
using codec::RegionId;

// Whether `id` may be used as one path segment of a Jumio URL: 1 to 64
// characters of [A-Za-z0-9_-].
bool IsSafeId(absl::string_view id);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_RESOURCE_NAMES_H_
