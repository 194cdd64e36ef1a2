// Optional enrichment of PROCESSED callbacks with the typed decision, so
// subscribers need no second call. The gateway's Jumio client implements
// Enricher; EnrichmentQueue calls it after the callback is stored, off the
// receive path, retrying on Jumio's suggested schedule. A failure only means
// the callback goes out without enrichment: it is never lost or delayed.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_ENRICHER_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_ENRICHER_H_

#include <functional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/stats.h"
#include "server/core/clock.h"

namespace jumio_gateway::callbacks {

class Enricher {
 public:
  virtual ~Enricher() = default;
  // Fetches the workflow details of `callback` (region, account and workflow
  // execution ids are set). UNAVAILABLE, NOT_FOUND, FAILED_PRECONDITION and
  // RESOURCE_EXHAUSTED are retried later; other errors end the attempts.
  virtual absl::StatusOr<::jumio::gateway::v1::CallbackEnrichment> Enrich(
      const ::jumio::gateway::v1::Callback& callback) = 0;
};

class EnrichmentQueue {
 public:
  struct Options {
    // Jumio: retry retrieval at 40, 60, 100, 160, 240, 340, 460, 600, 760,
    // 940 seconds while the result is not ready. The first attempt is
    // immediate (the callback says PROCESSED).
    std::vector<absl::Duration> retry_delays = {
        absl::Seconds(40),  absl::Seconds(60),  absl::Seconds(100),
        absl::Seconds(160), absl::Seconds(240), absl::Seconds(340),
        absl::Seconds(460), absl::Seconds(600), absl::Seconds(760),
        absl::Seconds(940)};
    // More waiting callbacks than this: new ones are not enriched.
    size_t max_queued = 10000;
  };

  // `clock` schedules the retries and stamps enrich_time; all must outlive
  // the queue.
  EnrichmentQueue(Enricher* enricher, CallbackLog* log, CallbackStats* stats,
                  Options options, const core::Clock& clock);
  ~EnrichmentQueue();  // Stop()

  void Start();
  void Stop();
  // Only PROCESSED callbacks are enriched; others are ignored.
  void Add(const ::jumio::gateway::v1::Callback& callback);

 private:
  struct Item {
    absl::Time due;
    int attempt = 0;
    ::jumio::gateway::v1::Callback callback;
    bool operator>(const Item& o) const { return due > o.due; }
  };
  void Loop();

  Enricher* const enricher_;
  CallbackLog* const log_;
  CallbackStats* const stats_;
  const Options options_;
  const core::Clock& clock_;
  absl::Mutex mu_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> items_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_ENRICHER_H_
