// Deterministic processing of a finalized workflow: the caller chooses the
// outcome through a `sandbox:` directive in userReference or
// customerInternalReference (README "Outcomes"), and the capability dependency
// chain of the reference manual decides what else runs.
#ifndef JUMIO_GATEWAY_SANDBOX_PROCESSING_H_
#define JUMIO_GATEWAY_SANDBOX_PROCESSING_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/workflows.h"

namespace jumio::sandbox {

struct Directive {
  enum class Kind {
    kPass,
    kReject,
    kWarning,
    kNotExecuted,
    kTokenExpired,
    kSessionExpired
  };
  Kind kind = Kind::kPass;
  std::string
      capability;  // the capability that takes the decision; empty for kPass
  std::string label;
};

// Reads "sandbox:reject:[<capability>:]<LABEL>",
// "sandbox:warning:[<capability>:]<LABEL>", "sandbox:not_executed[:<LABEL>]",
// "sandbox:token_expired" (alias "sandbox:expire") or "sandbox:session_expired"
// from userReference, else customerInternalReference. Anything not starting
// with "sandbox:" means PASSED. A label that no capability of the workflow can
// give is an InvalidArgument naming the field, so a typo fails at account
// creation, not silently.
absl::StatusOr<Directive> ParseDirective(
    absl::string_view user_reference,
    absl::string_view customer_internal_reference, const WorkflowDef& workflow);

struct CredentialView {
  std::string id;
  std::string category;
  bool uploaded = false;  // the part processing needs is present
};

struct CapabilityResult {
  std::string name;
  std::string id;
  std::vector<std::pair<std::string, std::string>> credentials;  // id, category
  std::string type;
  std::string label;
};

struct StepResult {
  std::string id;
  std::string name;
  std::vector<std::string> capability_ids;
  std::string type;
};

struct Outcome {
  std::vector<CapabilityResult> capabilities;  // in execution order
  std::vector<StepResult> steps;
  std::string type;   // PASSED, REJECTED, WARNING, NOT_EXECUTED
  std::string label;  // same vocabulary as type at workflow level
  double risk_score = 0;
};

Outcome ComputeOutcome(const WorkflowDef& workflow,
                       const std::vector<CredentialView>& credentials,
                       const Directive& directive,
                       const std::function<std::string()>& new_id);

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_PROCESSING_H_
