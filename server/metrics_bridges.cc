#include "server/metrics_bridges.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace jumio_gateway {

void GrowthTracker::Grow(const std::string& key, int64_t now,
                         observability::Counter& counter) {
  const uint64_t value = now < 0 ? 0 : static_cast<uint64_t>(now);
  absl::MutexLock lock(&mu_);
  uint64_t& last = last_[key];
  if (value > last) counter.Increment(static_cast<double>(value - last));
  last = value;
}

void CallbackMetricsBridge::Update(const callbacks::CallbackStats& stats,
                                   absl::Time now) {
  growth_.Grow("received", stats.received.load(),
               metrics_.callbacks_received.WithLabelValues({}));
  growth_.Grow("stored", stats.stored.load(),
               metrics_.callbacks_stored.WithLabelValues({}));
  growth_.Grow("delivered", stats.delivered.load(),
               metrics_.callbacks_delivered.WithLabelValues({}));
  growth_.Grow("unreadable", stats.unreadable.load(),
               metrics_.callbacks_unreadable.WithLabelValues({}));
  for (size_t i = 0; i < static_cast<size_t>(callbacks::RejectReason::kCount);
       ++i) {
    const auto reason = static_cast<callbacks::RejectReason>(i);
    const std::string name = callbacks::RejectReasonName(reason);
    growth_.Grow("rejected/" + name, stats.Rejected(reason),
                 metrics_.callbacks_rejected.WithLabelValues({name}));
  }
  metrics_.callback_subscribers.WithLabelValues({}).Set(
      static_cast<double>(stats.subscribers.load()));
  for (size_t i = 0; i < callbacks::kRecordKindCount; ++i) {
    const std::string kind =
        callbacks::RecordKindName(static_cast<callbacks::RecordKind>(i));
    growth_.Grow("retention_deleted/" + kind, stats.retention_deleted[i].load(),
                 metrics_.store_retention_deleted.WithLabelValues({kind}));
    const int64_t window = stats.retention_window_s[i].load();
    if (window > 0) {
      metrics_.store_retention.WithLabelValues({kind}).Set(
          static_cast<double>(window));
    }
    // Unknown (no pass yet, a failed read, or a kind the store expires by
    // itself): no new value.
    const int64_t oldest = stats.oldest_record_us[i].load();
    if (oldest == callbacks::CallbackStats::kOldestUnknown) continue;
    const double age =
        oldest == callbacks::CallbackStats::kOldestNone
            ? 0.0
            : std::max(0.0, absl::ToDoubleSeconds(
                                now - absl::FromUnixMicros(oldest)));
    metrics_.store_oldest_record_age.WithLabelValues({kind}).Set(age);
  }
}

ReconcileMetricsBridge::ReconcileMetricsBridge(
    observability::GatewayMetrics& metrics)
    : metrics_(metrics) {
  // Every series from the start, so that rates and ratios read 0, not
  // nothing, before the first reconciled result.
  for (int i = 0; i < 3; ++i) {
    metrics_.reconciled.WithLabelValues({reconcile::ReconciledStatusName(i)});
  }
  metrics_.reconcile_checks.WithLabelValues({"ok"});
  metrics_.reconcile_checks.WithLabelValues({"failed"});
}

void ReconcileMetricsBridge::Update(reconcile::Reconciler& reconciler) {
  reconcile::ReconcileStats& stats = reconciler.stats();
  for (int i = 0; i < 3; ++i) {
    const std::string status = reconcile::ReconciledStatusName(i);
    growth_.Grow("reconciled/" + status, stats.reconciled[i].load(),
                 metrics_.reconciled.WithLabelValues({status}));
  }
  const int64_t failed = stats.check_failures.load();
  growth_.Grow("checks/ok", stats.checks.load() - failed,
               metrics_.reconcile_checks.WithLabelValues({"ok"}));
  growth_.Grow("checks/failed", failed,
               metrics_.reconcile_checks.WithLabelValues({"failed"}));
  absl::StatusOr<callbacks::TrackerCounts> counts = reconciler.Counts();
  if (counts.ok()) {
    metrics_.reconcile_tracked.WithLabelValues({}).Set(
        static_cast<double>(counts->tracked));
    metrics_.reconcile_overdue.WithLabelValues({}).Set(
        static_cast<double>(counts->overdue));
  }
}

void ErasureMetricsBridge::Update(int64_t completed, int64_t failed,
                                  int64_t pending) {
  growth_.Grow("completed", completed,
               metrics_.erasures.WithLabelValues({"completed"}));
  growth_.Grow("failed", failed, metrics_.erasures.WithLabelValues({"failed"}));
  metrics_.erasures_pending.WithLabelValues({}).Set(
      static_cast<double>(pending));
}

void HttpMetricsBridge::Update(const char* server,
                               const http::ServerStats* stats) {
  if (stats == nullptr) return;
  metrics_.http_connections_open.WithLabelValues({server}).Set(
      static_cast<double>(stats->connections_open.load()));
  auto grow = [&](observability::Family<observability::Counter>& family,
                  const char* reason, int64_t now) {
    growth_.Grow(absl::StrCat(server, "/", reason), now,
                 family.WithLabelValues({server, reason}));
  };
  auto& refused = metrics_.http_connections_refused;
  grow(refused, "total_cap", stats->refused_total_cap.load());
  grow(refused, "source_cap", stats->refused_source_cap.load());
  auto& cut = metrics_.http_requests_cut;
  grow(cut, "head_timeout", stats->head_timeouts.load());
  grow(cut, "body_timeout", stats->body_timeouts.load());
  grow(cut, "idle_timeout", stats->idle_timeouts.load());
  grow(cut, "write_timeout", stats->write_timeouts.load());
  grow(cut, "head_too_large", stats->head_too_large.load());
  grow(cut, "body_too_large", stats->body_too_large.load());
  grow(cut, "bad_request", stats->bad_requests.load());
  grow(cut, "handler_queue_full", stats->handler_queue_full.load());
}

void UploadMetricsBridge::Update(const api::BufferBudget::Snapshot& snapshot) {
  metrics_.upload_buffer_bytes.WithLabelValues({}).Set(
      static_cast<double>(snapshot.bytes));
  metrics_.uploads_in_flight.WithLabelValues({}).Set(snapshot.uploads);
  using observability::kUploadRefusedBytes;
  using observability::kUploadRefusedStreams;
  growth_.Grow(kUploadRefusedBytes,
               static_cast<int64_t>(snapshot.refused_bytes),
               metrics_.uploads_refused.WithLabelValues({kUploadRefusedBytes}));
  growth_.Grow(
      kUploadRefusedStreams, static_cast<int64_t>(snapshot.refused_streams),
      metrics_.uploads_refused.WithLabelValues({kUploadRefusedStreams}));
}

}  // namespace jumio_gateway
