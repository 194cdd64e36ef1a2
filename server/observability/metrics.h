// A small Prometheus metrics library: counter, gauge and histogram families
// with fixed label names, one child per label-value set, and the text
// exposition format 0.0.4.
//
// prometheus-cpp is not packaged on Debian 12 and cannot be fetched, so this
// stands in for it. The interface is deliberately shaped like prometheus-cpp's
// (BuildCounter().Name().Help().Register(registry), Family::Add(labels),
// Counter::Increment(), Registry::Collect(), a text serializer) so that callers
// would need only mechanical changes if it were replaced.
//
//   Registry registry;
//   Family<Counter>& handled = BuildCounter()
//                                  .Name("grpc_server_handled_total")
//                                  .Help("RPCs completed.")
//                                  .LabelNames({"grpc_method", "grpc_code"})
//                                  .Register(registry);
//   Counter& ok = handled.WithLabelValues({"GetAccount", "OK"});  // cache this
//   ok.Increment();                                               // lock-free
//   std::string text = SerializeText(registry.Collect());
//
// Hot path: a child reference stays valid for the registry's lifetime, so
// callers look it up once (a shared lock and a map lookup) and then update it
// with atomics only. Children are never removed.
//
// Misuse (an invalid or conflicting metric name, a label count that does not
// match the family) is a programming error and aborts the process with a
// message, as prometheus-cpp would throw: metric definitions are fixed at
// compile time, so such a bug shows up in the first test that runs the code.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_METRICS_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace jumio_gateway::observability {

// label name -> label value, as prometheus-cpp's prometheus::Labels.
using Labels = std::map<std::string, std::string>;

enum class MetricType { kCounter, kGauge, kHistogram };

// ---- Snapshots (what Collect() returns and the serializer reads) ----------

struct SampleSnapshot {
  std::vector<std::pair<std::string, std::string>> labels;  // in family order
  double value = 0;                                         // counter and gauge
  // Histograms: upper bounds (without +Inf) and cumulative counts, one more
  // count than bounds (the last is +Inf, equal to sample_count).
  std::vector<double> bucket_bounds;
  std::vector<std::uint64_t> cumulative_counts;
  double sample_sum = 0;
  std::uint64_t sample_count = 0;
};

struct MetricFamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<SampleSnapshot> samples;
};

// The text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
std::string SerializeText(const std::vector<MetricFamilySnapshot>& families);

// The Content-Type of SerializeText output.
inline constexpr char kTextContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// ---- Metric children -------------------------------------------------------

// A monotonically increasing value. Negative increments are ignored: a counter
// that goes down looks like a restart to rate().
class Counter {
 public:
  static constexpr MetricType kType = MetricType::kCounter;
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment() { Increment(1.0); }
  void Increment(double amount);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down.
class Gauge {
 public:
  static constexpr MetricType kType = MetricType::kGauge;
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double amount = 1.0);
  void Decrement(double amount = 1.0) { Increment(-amount); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

using BucketBoundaries = std::vector<double>;

// Samples counted into fixed buckets, with their sum.
class Histogram {
 public:
  static constexpr MetricType kType = MetricType::kHistogram;
  // `bounds` must be strictly increasing and finite; +Inf is implicit.
  explicit Histogram(BucketBoundaries bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);

  const BucketBoundaries& bounds() const { return bounds_; }
  // Fills the histogram fields of `sample`. The count is the sum of the
  // bucket counts, so +Inf and _count always agree even while other threads
  // observe.
  void Snapshot(SampleSnapshot& sample) const;

 private:
  const BucketBoundaries bounds_;
  // Non-cumulative: counts_[i] holds samples in (bounds_[i-1], bounds_[i]];
  // the last element holds those above every bound.
  const std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

// Default buckets for request latencies in seconds (prometheus-cpp and the
// Go client use the same set).
BucketBoundaries DefaultLatencyBuckets();

// ---- Families --------------------------------------------------------------

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  virtual MetricFamilySnapshot Collect() const = 0;

 protected:
  // Label values in family order from a name -> value map; aborts when the
  // names differ from the family's.
  std::vector<std::string> ValuesFromLabels(const Labels& labels) const;
  void CheckValueCount(const std::vector<std::string>& values) const;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

// All children of one metric name. T is Counter, Gauge or Histogram.
template <typename T>
class Family : public FamilyBase {
 public:
  // Histograms take their bucket bounds here; other types ignore them.
  Family(std::string name, std::string help,
         std::vector<std::string> label_names, BucketBoundaries buckets = {})
      : FamilyBase(std::move(name), std::move(help), T::kType,
                   std::move(label_names)),
        buckets_(std::move(buckets)) {
    // A family without labels has exactly one series; expose it at zero from
    // the start so that rate() and absent() see it before the first event.
    if (label_names_empty()) WithLabelValues({});
  }

  // The child for these label values (in LabelNames order), created at zero
  // on first use. The reference stays valid as long as the family.
  T& WithLabelValues(const std::vector<std::string>& values);
  // prometheus-cpp's spelling: the child for a full label-name -> value map.
  T& Add(const Labels& labels) {
    return WithLabelValues(ValuesFromLabels(labels));
  }

  MetricFamilySnapshot Collect() const override;

 private:
  bool label_names_empty() const { return label_names().empty(); }
  std::unique_ptr<T> MakeChild() const;

  const BucketBoundaries buckets_;
  // std::shared_mutex rather than absl::Mutex: Debian's abseil is not built
  // with ThreadSanitizer annotations, so TSan cannot see its happens-before
  // edges, while it intercepts the pthread rwlock under std::shared_mutex.
  // That keeps `--config=tsan` meaningful for the hot path's concurrency.
  mutable std::shared_mutex mu_;
  // Ordered, so the exposition is stable (tests and diffs read it).
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_
      ABSL_GUARDED_BY(mu_);
};

// ---- Registry --------------------------------------------------------------

// Owns families; Collect() snapshots them in registration order. Thread-safe.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family, or returns the one already registered under this name
  // when its type, label names and buckets are the same (aborts otherwise).
  template <typename T>
  Family<T>& Register(const std::string& name, const std::string& help,
                      const std::vector<std::string>& label_names,
                      const BucketBoundaries& buckets = {});

  std::vector<MetricFamilySnapshot> Collect() const;

 private:
  // Returns the existing family with this name or nullptr; aborts on a
  // conflicting definition.
  FamilyBase* FindCompatible(const std::string& name, MetricType type,
                             const std::vector<std::string>& label_names,
                             const BucketBoundaries& buckets) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable std::shared_mutex mu_;  // see Family::mu_
  std::vector<std::unique_ptr<FamilyBase>> families_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, BucketBoundaries> buckets_ ABSL_GUARDED_BY(mu_);
};

// ---- Builders (prometheus-cpp style) ---------------------------------------

template <typename T>
class Builder {
 public:
  Builder& Name(std::string name) {
    name_ = std::move(name);
    return *this;
  }
  Builder& Help(std::string help) {
    help_ = std::move(help);
    return *this;
  }
  Builder& LabelNames(std::vector<std::string> names) {
    label_names_ = std::move(names);
    return *this;
  }
  // Histograms only.
  Builder& Buckets(BucketBoundaries buckets) {
    buckets_ = std::move(buckets);
    return *this;
  }
  Family<T>& Register(Registry& registry) const {
    return registry.Register<T>(name_, help_, label_names_, buckets_);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  BucketBoundaries buckets_;
};

inline Builder<Counter> BuildCounter() { return {}; }
inline Builder<Gauge> BuildGauge() { return {}; }
inline Builder<Histogram> BuildHistogram() { return {}; }

// ---- Internals needed by the templates --------------------------------------

namespace metrics_internal {
[[noreturn]] void Fail(const std::string& message);
void ValidateDefinition(const std::string& name, MetricType type,
                        const std::vector<std::string>& label_names,
                        const BucketBoundaries& buckets);
void FillSample(const Counter& counter, SampleSnapshot& sample);
void FillSample(const Gauge& gauge, SampleSnapshot& sample);
void FillSample(const Histogram& histogram, SampleSnapshot& sample);
}  // namespace metrics_internal

template <typename T>
std::unique_ptr<T> Family<T>::MakeChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(buckets_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T& Family<T>::WithLabelValues(const std::vector<std::string>& values) {
  CheckValueCount(values);
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  std::unique_ptr<T>& child = children_[values];
  if (child == nullptr) child = MakeChild();
  return *child;
}

template <typename T>
MetricFamilySnapshot Family<T>::Collect() const {
  MetricFamilySnapshot family;
  family.name = name();
  family.help = help();
  family.type = type();
  std::shared_lock<std::shared_mutex> lock(mu_);
  family.samples.reserve(children_.size());
  for (const auto& [values, child] : children_) {
    SampleSnapshot sample;
    for (size_t i = 0; i < values.size(); ++i) {
      sample.labels.emplace_back(label_names()[i], values[i]);
    }
    metrics_internal::FillSample(*child, sample);
    family.samples.push_back(std::move(sample));
  }
  return family;
}

template <typename T>
Family<T>& Registry::Register(const std::string& name, const std::string& help,
                              const std::vector<std::string>& label_names,
                              const BucketBoundaries& requested_buckets) {
  // Histograms without explicit buckets get the latency defaults.
  const BucketBoundaries buckets =
      T::kType == MetricType::kHistogram && requested_buckets.empty()
          ? DefaultLatencyBuckets()
          : requested_buckets;
  metrics_internal::ValidateDefinition(name, T::kType, label_names, buckets);
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (FamilyBase* existing =
          FindCompatible(name, T::kType, label_names, buckets)) {
    return static_cast<Family<T>&>(*existing);
  }
  auto family = std::make_unique<Family<T>>(name, help, label_names, buckets);
  Family<T>& result = *family;
  families_.push_back(std::move(family));
  buckets_[name] = buckets;
  return result;
}

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_METRICS_H_
