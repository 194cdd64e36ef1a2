// The two places where the callback path and the Jumio client meet: the
// callbackUrl the account service puts on new workflow executions (issued by
// the callback receiver's keys), and the enrichment of PROCESSED callbacks with
// the workflow's typed decision (fetched from Jumio).
#ifndef JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_
#define JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "server/api/service_context.h"
#include "server/callbacks/component.h"
#include "server/callbacks/enricher.h"
#include "server/callbacks/token.h"
#include "server/core/clock.h"
#include "server/core/worker_pool.h"
#include "server/jumio/jumio_api.h"
#include "server/observability/logger.h"

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

// Erasure (issue 17): records intents in the callback store (Begin), runs
// CallbackComponent::Erase on its own thread, so that neither a gRPC thread
// nor the transport's I/O thread waits for the store, and ends the intent.
// A full queue fails the erasure (UNAVAILABLE): the caller retries the
// delete. Unfinished intents (a gateway killed between Begin and the end of
// the erasure, or an erasure that failed) are resumed at Start and every
// `resume_interval`: the delete is sent to Jumio again (a 404 counts as
// done) and the erasure run again; every step is idempotent.
class ComponentEraser : public RecordEraser {
 public:
  struct Options {
    absl::Duration resume_interval = absl::Minutes(1);
    absl::Duration upstream_timeout = absl::Seconds(30);
    int resume_batch = 100;
  };
  // Erasures completed, failed (each failed attempt) and unfinished intents
  // seen by the last resume pass.
  struct Counts {
    int64_t completed = 0;
    int64_t failed = 0;
    int64_t pending = 0;
  };
  // `component`, `jumio`, `logger` and `clock` must outlive this.
  ComponentEraser(callbacks::CallbackComponent* component,
                  jumio::JumioApi* jumio, observability::Logger* logger,
                  const core::Clock& clock, Options options);
  ~ComponentEraser() override;  // Stop()

  absl::Status Begin(const std::string& region, const std::string& account_id,
                     const std::string& workflow_execution_id) override;
  void Erase(const std::string& region, const std::string& account_id,
             const std::string& workflow_execution_id,
             absl::AnyInvocable<void(absl::Status) &&> done) override;
  void Abandon(const std::string& region, const std::string& account_id,
               const std::string& workflow_execution_id) override;

  // Starts the resume thread (its first pass at once).
  void Start();
  void Stop();
  // One resume pass (the thread's; tests may call it).
  void ResumePass();
  Counts counts() const;

 private:
  absl::Status EraseNow(const callbacks::ErasureIntent& intent);
  void ResumeLoop();

  callbacks::CallbackComponent* const component_;
  jumio::JumioApi* const jumio_;
  observability::Logger* const logger_;
  const core::Clock& clock_;
  const Options options_;
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> pending_{0};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread resume_;
  core::WorkerPool pool_;  // last: joined before the rest goes
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_CALLBACK_INTEGRATION_H_
