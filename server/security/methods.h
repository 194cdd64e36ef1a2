// What each gRPC method of the gateway touches, for the caller policy. Every
// method the server registers has a row here; a method without one is refused
// to every caller (tests/server/security:methods_test checks that every method
// of the protos has a row, so a new RPC cannot be forgotten).
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_METHODS_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_METHODS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace jumio_gateway::security {

enum class Access {
  // No credential needed: gRPC health, so that the kubelet's gRPC probe
  // (which cannot present a client certificate or a token) keeps working.
  kOpen,
  // Reads no personal data and changes nothing.
  kRead,
  // Changes state at Jumio or in the gateway: audited.
  kMutating,
  // Returns personal data (ID images, extracted identity data, enriched
  // callbacks): needs the policy's personal_data permission; audited.
  kPersonal,
};

// "/pkg.Service/Method" (as gRPC names it) to its access class; nullopt for a
// method the table does not know.
std::optional<Access> ClassifyMethod(absl::string_view full_method);

// Every method of the table, "/pkg.Service/Method".
std::vector<std::string> ClassifiedMethods();

absl::string_view AccessName(Access access);

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_METHODS_H_
