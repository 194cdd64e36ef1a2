// What every service implementation needs, injected by main() (or by a test).
#ifndef JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_
#define JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/api/buffer_budget.h"
#include "server/api/idempotency.h"
#include "server/config/config.h"
#include "server/core/clock.h"
#include "server/jumio/jumio_client.h"

namespace jumio_gateway::api {

// Chooses the callbackUrl Jumio will POST to for a new workflow execution when
// the caller sets none: the gateway's own receiver, with a token that binds the
// URL to its account so that a callback for another account is refused.
class CallbackUrlProvider {
 public:
  struct Issued {
    std::string url;
    std::string binding;  // opaque, handed back to Bind
  };
  virtual ~CallbackUrlProvider() = default;
  // For a new account, whose id Jumio has not told yet.
  virtual absl::StatusOr<Issued> IssueForNewAccount() = 0;
  // Once Jumio has answered: records which account `binding` belongs to.
  virtual absl::Status Bind(const std::string& binding,
                            const std::string& region,
                            const std::string& account_id) = 0;
  // For an existing account.
  virtual std::string UrlForAccount(const std::string& account_id) = 0;
};

struct ServiceContext {
  const config::GatewayConfig* config = nullptr;
  jumio::JumioClient* jumio = nullptr;
  IdempotencyStore* idempotency = nullptr;
  // Bounds the part bytes uploads and downloads hold; required.
  BufferBudget* budget = nullptr;
  // Must outlive the services.
  const core::Clock* clock = &core::SystemClock();
  // May be null: then callbackUrl is whatever the caller sent (or Jumio's
  // portal setting).
  CallbackUrlProvider* callback_urls = nullptr;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_
