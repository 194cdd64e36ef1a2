// What every service implementation needs, injected by main() (or by a test).
#ifndef JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_
#define JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/api/buffer_budget.h"
#include "server/api/idempotency.h"
#include "server/core/clock.h"
#include "server/jumio/jumio_api.h"
#include "server/reconcile/reconciler.h"
#include "server/security/guard.h"

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

// Erasure (issue 17): the gateway's own records of an account or a workflow
// execution, erased once Jumio confirmed its delete (a 404 counts: it is
// gone at Jumio).
class RecordEraser {
 public:
  virtual ~RecordEraser() = default;
  // Records the intent durably, before the delete is sent to Jumio: should
  // the gateway die before the erasure is complete, it is resumed (the
  // delete re-sent) after a restart. A failure refuses the delete.
  virtual absl::Status Begin(const std::string& region,
                             const std::string& account_id,
                             const std::string& workflow_execution_id) = 0;
  // Erases what the gateway stored about `account_id` (all of it when
  // `workflow_execution_id` is empty, else that execution's), off the
  // calling thread, then calls `done` once with the outcome, and ends the
  // intent Begin recorded when it succeeded. Idempotent.
  virtual void Erase(const std::string& region, const std::string& account_id,
                     const std::string& workflow_execution_id,
                     absl::AnyInvocable<void(absl::Status) &&> done) = 0;
  // Jumio refused the delete for certain (not gone, not ambiguous): drops
  // the intent, off the calling thread; nothing is erased.
  virtual void Abandon(const std::string& region, const std::string& account_id,
                       const std::string& workflow_execution_id) = 0;
};

// The parts of the gateway's configuration the services read.
struct ServiceOptions {
  // Region id used when a CreateAccount request names none.
  std::string default_region;
  // Every configured region id, in order: what GetPlatformStatus checks when
  // the caller names none.
  std::vector<std::string> regions;
  // Bounds every upstream call, whatever the caller's deadline.
  absl::Duration upstream_timeout = absl::Seconds(30);
  int64_t max_image_bytes = 0;
  int64_t max_pdf_bytes = 0;
  // Accept an http:// callbackUrl on a loopback address (codec
  // AccountBodyOptions).
  bool allow_loopback_http_callbacks = false;
};

struct ServiceContext {
  ServiceOptions options;
  jumio::JumioApi* jumio = nullptr;
  // Request ids of CreateAccount/UpdateAccount; required.
  RequestIds* idempotency = nullptr;
  // Bounds the part bytes uploads and downloads hold; required.
  BufferBudget* budget = nullptr;
  // Must outlive the services.
  const core::Clock* clock = &core::SystemClock();
  // May be null: then callbackUrl is whatever the caller sent (or Jumio's
  // portal setting).
  CallbackUrlProvider* callback_urls = nullptr;
  // The caller policy: every method asks it (Admit) before anything else.
  // Null only in unit tests of the services, which then admit every call.
  security::CallGuard* guard = nullptr;
  // May be null: then no workflow execution is tracked for reconciliation.
  // Told of every execution a create or update started, of finalizes and of
  // deletions, after Jumio answered OK.
  reconcile::ExecutionObserver* executions = nullptr;
  // May be null: then a delete erases nothing the gateway stored (there is
  // no callback store).
  RecordEraser* eraser = nullptr;
};

// After Jumio answered a delete with `status`: erases the gateway's records
// when it is gone at Jumio (OK or NOT_FOUND), then calls `finish` with
// AllowMissing(allow_missing, status), or with UNAVAILABLE when the erasure
// failed (the caller retries the delete, which converges: Jumio answers 404
// and the erasure runs again).
void EraseAfterDelete(const ServiceContext& context, const std::string& region,
                      const std::string& account_id,
                      const std::string& workflow_execution_id,
                      bool allow_missing, absl::Status status,
                      absl::AnyInvocable<void(absl::Status) &&> finish);

// The guard's verdict on this call (OK without a guard).
inline absl::Status Admit(const ServiceContext& context,
                          const grpc::ServerContextBase& call,
                          const std::vector<std::string>& regions,
                          absl::string_view resource, bool personal = false) {
  if (context.guard == nullptr) return absl::OkStatus();
  return context.guard->Admit(call, regions, resource, personal);
}

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_SERVICE_CONTEXT_H_
