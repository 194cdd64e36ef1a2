// The two places where the callback path and the Jumio client meet: the
// callbackUrl the account service puts on new workflow executions (issued by
// the callback receiver's keys), and the enrichment of PROCESSED callbacks with
// the workflow's typed decision (fetched from Jumio).
#ifndef JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_
#define JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_

#include <functional>
#include <string>

#include "server/api/service_context.h"
#include "server/callbacks/component.h"
#include "server/callbacks/enricher.h"
#include "server/callbacks/token.h"
#include "server/core/clock.h"
#include "server/core/worker_pool.h"
#include "server/jumio/jumio_api.h"

namespace jumio_gateway::api {

class IssuerCallbackUrls : public CallbackUrlProvider {
 public:
  // `issuer` must outlive this.
  explicit IssuerCallbackUrls(const callbacks::CallbackUrlIssuer* issuer)
      : issuer_(issuer) {}
  absl::StatusOr<Issued> IssueForNewAccount() override;
  absl::Status Bind(const std::string& binding, const std::string& region,
                    const std::string& account_id) override;
  std::string UrlForAccount(const std::string& account_id) override;

 private:
  const callbacks::CallbackUrlIssuer* const issuer_;
};

// Fetches the workflow details of a callback from Jumio. Runs on the enrichment
// queue's thread, which may wait: the fetch itself is asynchronous like every
// other Jumio call.
class JumioEnricher : public callbacks::Enricher {
 public:
  // `jumio` must outlive this; `upstream_timeout` bounds each fetch.
  JumioEnricher(jumio::JumioApi* jumio, absl::Duration upstream_timeout,
                const core::Clock& clock)
      : jumio_(jumio), upstream_timeout_(upstream_timeout), clock_(clock) {}
  absl::StatusOr<::jumio::gateway::v1::CallbackEnrichment> Enrich(
      const ::jumio::gateway::v1::Callback& callback) override;

 private:
  jumio::JumioApi* const jumio_;
  const absl::Duration upstream_timeout_;
  const core::Clock& clock_;
};

// Erasure (issue 17): runs CallbackComponent::Erase on its own thread, so
// that neither a gRPC thread nor the transport's I/O thread waits for the
// store. A full queue fails the erasure (UNAVAILABLE): the caller retries
// the delete.
class ComponentEraser : public RecordEraser {
 public:
  // `component` must outlive this.
  explicit ComponentEraser(callbacks::CallbackComponent* component)
      : component_(component), pool_(1, 1024) {}
  void Erase(const std::string& region, const std::string& account_id,
             const std::string& workflow_execution_id,
             absl::AnyInvocable<void(absl::Status) &&> done) override;

 private:
  callbacks::CallbackComponent* const component_;
  core::WorkerPool pool_;  // last: joined before the rest goes
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_
