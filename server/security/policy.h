// The caller policy (--caller_policy_file), default deny:
//
//   {"callers": {
//      "spiffe://example.org/ns/kyc/sa/onboarding": {
//        "methods": ["jumio.gateway.v1.AccountService/*",
//                    "jumio.gateway.v1.WorkflowExecutionService/Get*"],
//        "regions": ["emea-1"],
//        "personal_data": false},
//      "reporting": {"methods": ["*"], "regions": ["*"]}}}
//
// A caller is named by its certificate identity (SPIFFE URI SAN, else subject
// CN) or by its entry in the token file. `methods` are "pkg.Service/Method"
// patterns where `*` matches any run of characters; `regions` are region ids
// or "*"; `personal_data` (default false) allows the methods that return
// personal data. Unknown keys are refused, so that a typo does not silently
// grant or withhold anything.
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_POLICY_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::security {

struct CallerRule {
  std::vector<std::string> methods;  // patterns, see above
  std::vector<std::string> regions;  // ids or "*"
  bool personal_data = false;

  // `method` is "pkg.Service/Method" (no leading slash).
  bool AllowsMethod(absl::string_view method) const;
  bool AllowsRegion(absl::string_view region) const;
};

class Policy {
 public:
  // INVALID_ARGUMENT naming the caller and key at fault.
  static absl::StatusOr<Policy> Parse(absl::string_view json);
  // One rule that allows everything, for every caller (the local default).
  static Policy AllowAll();

  // The caller's rule, or nullptr for a caller the policy does not name.
  const CallerRule* Find(absl::string_view caller) const;
  bool allow_all() const { return allow_all_; }
  size_t size() const { return callers_.size(); }

 private:
  bool allow_all_ = false;
  CallerRule all_;
  std::map<std::string, CallerRule, std::less<>> callers_;
};

// `*` matches any run of characters (also none); everything else literally.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_POLICY_H_
