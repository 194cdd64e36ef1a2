#include "server/metrics_bridges.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "server/observability/metrics.h"

namespace jumio_gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MetricsBridgesTest : public ::testing::Test {
 protected:
  std::string Scrape() {
    return observability::SerializeText(registry_.Collect());
  }

  observability::Registry registry_;
  observability::GatewayMetrics metrics_{registry_, {"v", "r"}, {"amer-1"}};
};

TEST_F(MetricsBridgesTest, CountersGrowByWhatTheCountGrewSinceTheLastScrape) {
  http::ServerStats stats;
  HttpMetricsBridge bridge(metrics_);
  stats.refused_total_cap = 3;
  stats.connections_open = 7;
  bridge.Update(observability::kHttpServerAdmin, &stats);
  stats.refused_total_cap = 5;
  bridge.Update(observability::kHttpServerAdmin, &stats);
  bridge.Update(observability::kHttpServerAdmin, &stats);  // no growth
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("jumio_gateway_http_connections_refused_total{"
                              "server=\"admin\",reason=\"total_cap\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("jumio_gateway_http_connections_open{server="
                              "\"admin\"} 7\n"));
  // The other server's series is its own.
  EXPECT_THAT(text,
              HasSubstr("jumio_gateway_http_connections_refused_total{"
                        "server=\"callbacks\",reason=\"total_cap\"} 0\n"));
}

TEST_F(MetricsBridgesTest, AServerNotStartedIsSkipped) {
  HttpMetricsBridge bridge(metrics_);
  bridge.Update(observability::kHttpServerCallbacks, nullptr);
  EXPECT_THAT(Scrape(), Not(HasSubstr("jumio_gateway_http_connections_open{"
                                      "server=\"callbacks\"} 1")));
}

TEST_F(MetricsBridgesTest, CallbackCountsReachTheirCounters) {
  callbacks::CallbackStats stats;
  CallbackMetricsBridge bridge(metrics_);
  stats.received = 4;
  stats.stored = 3;
  stats.rejected[static_cast<size_t>(
      callbacks::RejectReason::kSourceNotAllowed)] = 1;
  stats.subscribers = 2;
  bridge.Update(stats, absl::Now());
  stats.received = 6;
  bridge.Update(stats, absl::Now());
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_received_total 6\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_stored_total 3\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_rejected_total{reason=\""
                              "source_not_allowed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callback_subscribers 2\n"));
}

TEST_F(MetricsBridgesTest, OldestRecordAgeIsAgedAtScrapeAndUnknownIsLeftOut) {
  callbacks::CallbackStats stats;
  CallbackMetricsBridge bridge(metrics_);
  using callbacks::RecordKind;
  auto at = [&stats](RecordKind kind) -> std::atomic<int64_t>& {
    return stats.oldest_record_us[static_cast<size_t>(kind)];
  };
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  at(RecordKind::kCallbacks) = absl::ToUnixMicros(now - absl::Seconds(90));
  at(RecordKind::kBindings) = callbacks::CallbackStats::kOldestNone;
  // kRequestIds stays unknown (Redis expires them by TTL).
  stats.retention_window_s[static_cast<size_t>(RecordKind::kCallbacks)] = 60;
  stats.retention_deleted[static_cast<size_t>(RecordKind::kExecutions)] = 7;
  bridge.Update(stats, now);
  std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("jumio_gateway_store_oldest_record_age_seconds{"
                              "kind=\"callbacks\"} 90\n"));
  EXPECT_THAT(text, HasSubstr("jumio_gateway_store_oldest_record_age_seconds{"
                              "kind=\"bindings\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("age_seconds{kind=\"request_ids\"}")));
  EXPECT_THAT(text, HasSubstr("jumio_gateway_store_retention_seconds{kind=\""
                              "callbacks\"} 60\n"));
  EXPECT_THAT(text, HasSubstr("jumio_gateway_store_retention_deleted_total{"
                              "kind=\"executions\"} 7\n"));
  // The same pass read 30 s later is 30 s older.
  bridge.Update(stats, now + absl::Seconds(30));
  EXPECT_THAT(Scrape(), HasSubstr("age_seconds{kind=\"callbacks\"} 120\n"));
}

TEST_F(MetricsBridgesTest, UploadRefusalsAreCountedByReason) {
  UploadMetricsBridge bridge(metrics_);
  api::BufferBudget::Snapshot snapshot;
  snapshot.bytes = 1024;
  snapshot.uploads = 2;
  snapshot.refused_bytes = 3;
  bridge.Update(snapshot);
  snapshot.refused_streams = 1;
  bridge.Update(snapshot);
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("reason=\"buffer_full\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("reason=\"too_many_uploads\"} 1\n"));
}

}  // namespace
}  // namespace jumio_gateway
