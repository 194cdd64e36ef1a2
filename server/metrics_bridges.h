// Copies counters that lower modules keep in plain atomics (so that they need
// not depend on the metrics module) into the Prometheus metrics, at each
// scrape. Each bridge remembers the last value it saw, so that a monotonic
// count adds only its growth to a counter.
#ifndef JUMIO_GATEWAY_SERVER_METRICS_BRIDGES_H_
#define JUMIO_GATEWAY_SERVER_METRICS_BRIDGES_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/api/buffer_budget.h"
#include "server/callbacks/stats.h"
#include "server/http/server.h"
#include "server/observability/gateway_metrics.h"
#include "server/reconcile/reconciler.h"

namespace jumio_gateway {

// Remembers the last value of each named monotonic count.
class GrowthTracker {
 public:
  // Adds to `counter` what `key` grew by since the previous call. Negative
  // counts read as zero.
  void Grow(const std::string& key, int64_t now,
            observability::Counter& counter);

 private:
  absl::Mutex mu_;
  std::map<std::string, uint64_t> last_ ABSL_GUARDED_BY(mu_);
};

// The callback path's counts (server/callbacks/stats.h).
class CallbackMetricsBridge {
 public:
  explicit CallbackMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  // `now` ages the oldest records the last retention pass found.
  void Update(const callbacks::CallbackStats& stats, absl::Time now);

 private:
  observability::GatewayMetrics& metrics_;
  GrowthTracker growth_;
};

// The reconciler's counts and the tracker's figures (read from the store at
// each scrape; a failed read leaves the gauges as they were).
class ReconcileMetricsBridge {
 public:
  explicit ReconcileMetricsBridge(observability::GatewayMetrics& metrics);
  void Update(reconcile::Reconciler& reconciler);

 private:
  observability::GatewayMetrics& metrics_;
  GrowthTracker growth_;
};

// Erasure on delete: api::ComponentEraser's counts.
class ErasureMetricsBridge {
 public:
  explicit ErasureMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  void Update(int64_t completed, int64_t failed, int64_t pending);

 private:
  observability::GatewayMetrics& metrics_;
  GrowthTracker growth_;
};

// An HTTP server's connection counters (server/http ServerStats).
class HttpMetricsBridge {
 public:
  explicit HttpMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  // `server` is the label value; null `stats` (not started) is skipped.
  void Update(const char* server, const http::ServerStats* stats);

 private:
  observability::GatewayMetrics& metrics_;
  GrowthTracker growth_;
};

// The upload budget's figures.
class UploadMetricsBridge {
 public:
  explicit UploadMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  void Update(const api::BufferBudget::Snapshot& snapshot);

 private:
  observability::GatewayMetrics& metrics_;
  GrowthTracker growth_;
};

}  // namespace jumio_gateway

#endif  // JUMIO_GATEWAY_SERVER_METRICS_BRIDGES_H_
