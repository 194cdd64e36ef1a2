#include "server/observability/metrics.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace jumio_gateway::observability {
namespace {

using ::testing::HasSubstr;

std::string Expose(const Registry& registry) {
  return SerializeText(registry.Collect());
}

TEST(MetricsTest, CounterExposition) {
  Registry registry;
  Family<Counter>& requests = BuildCounter()
                                  .Name("requests_total")
                                  .Help("Requests handled.")
                                  .LabelNames({"method", "code"})
                                  .Register(registry);
  requests.WithLabelValues({"Get", "OK"}).Increment();
  requests.WithLabelValues({"Get", "OK"}).Increment(2);
  requests.Add({{"code", "NotFound"}, {"method", "Get"}}).Increment();
  EXPECT_EQ(Expose(registry),
            "# HELP requests_total Requests handled.\n"
            "# TYPE requests_total counter\n"
            "requests_total{method=\"Get\",code=\"NotFound\"} 1\n"
            "requests_total{method=\"Get\",code=\"OK\"} 3\n");
}

TEST(MetricsTest, CounterIgnoresNegativeAndNaN) {
  Registry registry;
  Counter& c =
      BuildCounter().Name("c_total").Help("h").Register(registry).Add({});
  c.Increment(-5);
  c.Increment(std::nan(""));
  c.Increment(0.5);
  EXPECT_EQ(c.Value(), 0.5);
}

TEST(MetricsTest, FamilyWithoutLabelsIsExposedAtZero) {
  Registry registry;
  BuildCounter().Name("events_total").Help("Events.").Register(registry);
  BuildGauge().Name("queue_depth").Help("Depth.").Register(registry);
  EXPECT_EQ(Expose(registry),
            "# HELP events_total Events.\n"
            "# TYPE events_total counter\n"
            "events_total 0\n"
            "# HELP queue_depth Depth.\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 0\n");
}

TEST(MetricsTest, GaugeSetIncrementDecrement) {
  Registry registry;
  Gauge& g = BuildGauge().Name("g").Help("h").Register(registry).Add({});
  g.Set(10);
  g.Increment();
  g.Decrement(3.5);
  EXPECT_EQ(g.Value(), 7.5);
  EXPECT_THAT(Expose(registry), HasSubstr("\ng 7.5\n"));
  g.Set(-2);
  EXPECT_THAT(Expose(registry), HasSubstr("\ng -2\n"));
}

TEST(MetricsTest, HistogramExpositionHasCumulativeBucketsInfSumCount) {
  Registry registry;
  Family<Histogram>& latency = BuildHistogram()
                                   .Name("latency_seconds")
                                   .Help("Latency.")
                                   .LabelNames({"method"})
                                   .Buckets({0.1, 0.5, 1})
                                   .Register(registry);
  Histogram& h = latency.WithLabelValues({"Get"});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.7);
  h.Observe(3);
  EXPECT_EQ(Expose(registry),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"Get\"} 3.85\n"
            "latency_seconds_count{method=\"Get\"} 4\n");
}

TEST(MetricsTest, HistogramWithoutLabelsAndDefaultBuckets) {
  Registry registry;
  Histogram& h =
      BuildHistogram().Name("h_seconds").Help("x").Register(registry).Add({});
  EXPECT_EQ(h.bounds(), DefaultLatencyBuckets());
  const std::string text = Expose(registry);
  EXPECT_THAT(text, HasSubstr("h_seconds_bucket{le=\"0.005\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("h_seconds_bucket{le=\"+Inf\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("h_seconds_sum 0\nh_seconds_count 0\n"));
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  BuildCounter()
      .Name("escaped_total")
      .Help("Back\\slash and\nnewline \"quotes stay\".")
      .LabelNames({"v"})
      .Register(registry)
      .WithLabelValues({"a\"b\\c\nd"})
      .Increment();
  EXPECT_EQ(Expose(registry),
            "# HELP escaped_total Back\\\\slash and\\nnewline \"quotes "
            "stay\".\n"
            "# TYPE escaped_total counter\n"
            "escaped_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, ValuesRoundTripAndSpecials) {
  Registry registry;
  Family<Gauge>& f =
      BuildGauge().Name("v").Help("h").LabelNames({"k"}).Register(registry);
  f.WithLabelValues({"a"}).Set(0.1);
  f.WithLabelValues({"b"}).Set(1e20);
  f.WithLabelValues({"c"}).Set(std::numeric_limits<double>::infinity());
  f.WithLabelValues({"d"}).Set(-std::numeric_limits<double>::infinity());
  f.WithLabelValues({"e"}).Set(std::nan(""));
  f.WithLabelValues({"f"}).Set(1.0 / 3);
  const std::string text = Expose(registry);
  EXPECT_THAT(text, HasSubstr("v{k=\"a\"} 0.1\n"));
  EXPECT_THAT(text, HasSubstr("v{k=\"b\"} 1e+20\n"));
  EXPECT_THAT(text, HasSubstr("v{k=\"c\"} +Inf\n"));
  EXPECT_THAT(text, HasSubstr("v{k=\"d\"} -Inf\n"));
  EXPECT_THAT(text, HasSubstr("v{k=\"e\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("v{k=\"f\"} 0.3333333333333333\n"));
}

TEST(MetricsTest, ChildReferencesAreStableAndShared) {
  Registry registry;
  Family<Counter>& f =
      BuildCounter().Name("x_total").Help("h").LabelNames({"a"}).Register(
          registry);
  Counter* first = &f.WithLabelValues({"1"});
  for (int i = 0; i < 1000; ++i) f.WithLabelValues({std::to_string(i + 2)});
  EXPECT_EQ(first, &f.WithLabelValues({"1"}));
  EXPECT_EQ(first, &f.Add({{"a", "1"}}));
}

TEST(MetricsTest, RegisteringTheSameDefinitionTwiceReturnsTheFamily) {
  Registry registry;
  Family<Counter>& a = BuildCounter()
                           .Name("dup_total")
                           .Help("h")
                           .LabelNames({"l"})
                           .Register(registry);
  Family<Counter>& b = BuildCounter()
                           .Name("dup_total")
                           .Help("h")
                           .LabelNames({"l"})
                           .Register(registry);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(registry.Collect().size(), 1u);
}

TEST(MetricsDeathTest, MisuseAborts) {
  Registry registry;
  Family<Counter>& f = BuildCounter()
                           .Name("m_total")
                           .Help("h")
                           .LabelNames({"a", "b"})
                           .Register(registry);
  EXPECT_DEATH(f.WithLabelValues({"only-one"}), "expected 2 label values");
  EXPECT_DEATH(f.Add({{"a", "1"}, {"c", "2"}}), "missing label 'b'");
  EXPECT_DEATH(BuildGauge().Name("m_total").Help("h").Register(registry),
               "registered twice");
  EXPECT_DEATH(BuildCounter().Name("1bad").Help("h").Register(registry),
               "invalid metric name");
  EXPECT_DEATH(BuildCounter().Name("ok").Help("h").LabelNames({"__x"}).Register(
                   registry),
               "invalid label name");
  EXPECT_DEATH(
      BuildHistogram().Name("hh").Help("h").LabelNames({"le"}).Register(
          registry),
      "cannot have a label 'le'");
  EXPECT_DEATH(
      BuildHistogram().Name("hb").Help("h").Buckets({1, 1}).Register(registry),
      "strictly increasing");
}

TEST(MetricsTest, ConcurrentIncrementsAreExact) {
  Registry registry;
  Family<Counter>& counters =
      BuildCounter().Name("c_total").Help("h").LabelNames({"k"}).Register(
          registry);
  Family<Gauge>& gauges = BuildGauge().Name("g").Help("h").Register(registry);
  Family<Histogram>& histograms =
      BuildHistogram().Name("h").Help("h").Buckets({1, 2}).Register(registry);
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        // Children are looked up concurrently too, some created on the fly.
        counters.WithLabelValues({std::to_string(i % 4)}).Increment();
        gauges.Add({}).Increment();
        gauges.Add({}).Decrement(0.5);
        histograms.Add({}).Observe((i + t) % 3);  // 0, 1 or 2
      }
      // A reader at the same time must not disturb the writers.
      (void)SerializeText(registry.Collect());
    });
  }
  for (auto& thread : threads) thread.join();
  double total = 0;
  for (int k = 0; k < 4; ++k) {
    total += counters.WithLabelValues({std::to_string(k)}).Value();
  }
  EXPECT_EQ(total, kThreads * kIterations);
  EXPECT_EQ(gauges.Add({}).Value(), kThreads * kIterations * 0.5);
  SampleSnapshot sample;
  histograms.Add({}).Snapshot(sample);
  EXPECT_EQ(sample.sample_count, static_cast<uint64_t>(kThreads * kIterations));
  EXPECT_EQ(sample.cumulative_counts.back(), sample.sample_count);
  // Integers are exact in a double, so the sum is exact too.
  uint64_t expected_sum = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kIterations; ++i) expected_sum += (i + t) % 3;
  }
  EXPECT_EQ(sample.sample_sum, static_cast<double>(expected_sum));
}

}  // namespace
}  // namespace jumio_gateway::observability
