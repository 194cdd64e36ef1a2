// AIP-122 resource names of the v1 API (common.proto), parsed and formatted
// by one rule. The region is the first segment, so any replica can route any
// call without a lookup table:
//   regions/{region}/accounts/{account}
//   regions/{region}/accounts/{account}/workflowExecutions/{workflow_execution}
//   .../workflowExecutions/{we}/credentials/{credential}
//   .../workflowExecutions/{we}/credentials/{credential}/parts/{classifier}
//   regions/{region}/accounts/{account}/credentials/{credential}/parts/{classifier}
//   (download only)
// Ids are 1 to 64 characters of [A-Za-z0-9-] and classifiers 1 to 32 of
// [A-Z0-9_], as common.proto documents: Jumio's ids are UUIDs, so nothing
// Jumio assigns is refused, and an id that parses can always be put into a
// Jumio URL path and formatted back. A name parses only if Format() gives it
// back unchanged; Format() gives "" for parts that could not be parsed, so a
// response never carries a half-built or ambiguous name.
//
// Here rather than in server/api/ because the codec (server/jumio/codec)
// formats the names of what Jumio returns and the callback parser checks ids:
// both sit below api/, and the rule must be the same for all three.
#ifndef JUMIO_GATEWAY_SERVER_CORE_RESOURCE_NAMES_H_
#define JUMIO_GATEWAY_SERVER_CORE_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::core {

// Whether `id` can be an account, workflow execution or credential segment.
bool IsValidId(absl::string_view id);
// Whether `classifier` can be a part segment.
bool IsValidClassifier(absl::string_view classifier);

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

struct CredentialName {
  std::string region;
  std::string account;
  std::string workflow_execution;
  std::string credential;
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
// region, or has an invalid id.
absl::StatusOr<AccountName> ParseAccountName(absl::string_view name,
                                             absl::string_view field);
absl::StatusOr<WorkflowExecutionName> ParseWorkflowExecutionName(
    absl::string_view name, absl::string_view field);
// Accepts the full form; with `allow_short_form`, also the form without the
// workflow execution.
absl::StatusOr<PartName> ParsePartName(absl::string_view name,
                                       absl::string_view field,
                                       bool allow_short_form);

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_RESOURCE_NAMES_H_
