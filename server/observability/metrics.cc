#include "server/observability/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jumio_gateway::observability {
namespace {

// std::atomic<double>::fetch_add only exists from C++20; a compare-exchange
// loop is lock-free on every platform we build for and rarely retries.
void AtomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount,
                                       std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
  }
}

bool IsNameStart(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (allow_colon && c == ':');
}

bool IsNameChar(char c, bool allow_colon) {
  return IsNameStart(c, allow_colon) || (c >= '0' && c <= '9');
}

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without ':' for label names.
bool IsValidName(const std::string& name, bool allow_colon) {
  if (name.empty() || !IsNameStart(name[0], allow_colon)) return false;
  for (char c : name) {
    if (!IsNameChar(c, allow_colon)) return false;
  }
  return true;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline; label values also escape '"'.
void AppendEscaped(std::string& out, const std::string& text,
                   bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// Go's ParseFloat-compatible spelling of a sample value, as short as it can be
// while still reading back as the same double.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.0f", value);
    return buffer;
  }
  char buffer[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

void AppendLabels(
    std::string& out,
    const std::vector<std::pair<std::string, std::string>>& labels,
    const std::string* le) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    AppendEscaped(out, value, /*escape_quote=*/true);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void AppendSample(
    std::string& out, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& labels,
    const std::string* le, const std::string& value) {
  out += name;
  AppendLabels(out, labels, le);
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

namespace metrics_internal {

void Fail(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

void ValidateDefinition(const std::string& name, MetricType type,
                        const std::vector<std::string>& label_names,
                        const BucketBoundaries& buckets) {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    Fail(absl::StrCat("invalid metric name '", name, "'"));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidName(label, /*allow_colon=*/false) ||
        label.rfind("__", 0) == 0) {
      Fail(absl::StrCat("metric ", name, ": invalid label name '", label, "'"));
    }
    if (type == MetricType::kHistogram && label == "le") {
      Fail(absl::StrCat("histogram ", name, " cannot have a label 'le'"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) {
        Fail(absl::StrCat("metric ", name, ": duplicate label '", label, "'"));
      }
    }
  }
  if (type == MetricType::kHistogram) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (!std::isfinite(buckets[i]) ||
          (i > 0 && buckets[i] <= buckets[i - 1])) {
        Fail(absl::StrCat("histogram ", name,
                          ": buckets must be finite and strictly increasing"));
      }
    }
  }
}

void FillSample(const Counter& counter, SampleSnapshot& sample) {
  sample.value = counter.Value();
}

void FillSample(const Gauge& gauge, SampleSnapshot& sample) {
  sample.value = gauge.Value();
}

void FillSample(const Histogram& histogram, SampleSnapshot& sample) {
  histogram.Snapshot(sample);
}

}  // namespace metrics_internal

void Counter::Increment(double amount) {
  if (!(amount > 0)) return;  // also drops NaN
  AtomicAdd(value_, amount);
}

void Gauge::Increment(double amount) { AtomicAdd(value_, amount); }

Histogram::Histogram(BucketBoundaries bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // Buckets are few (about a dozen), so a linear scan beats a binary search's
  // branch mispredictions; le is inclusive.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

void Histogram::Snapshot(SampleSnapshot& sample) const {
  sample.bucket_bounds = bounds_;
  sample.cumulative_counts.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    sample.cumulative_counts[i] = running;
  }
  sample.sample_count = running;
  sample.sample_sum = sum_.load(std::memory_order_relaxed);
}

BucketBoundaries DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<std::string> FamilyBase::ValuesFromLabels(
    const Labels& labels) const {
  if (labels.size() != label_names_.size()) {
    metrics_internal::Fail(absl::StrCat("metric ", name_, ": expected labels {",
                                        absl::StrJoin(label_names_, ","),
                                        "}, got ", labels.size()));
  }
  std::vector<std::string> values;
  values.reserve(label_names_.size());
  for (const std::string& label : label_names_) {
    auto it = labels.find(label);
    if (it == labels.end()) {
      metrics_internal::Fail(
          absl::StrCat("metric ", name_, ": missing label '", label, "'"));
    }
    values.push_back(it->second);
  }
  return values;
}

void FamilyBase::CheckValueCount(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    metrics_internal::Fail(absl::StrCat(
        "metric ", name_, ": expected ", label_names_.size(), " label values {",
        absl::StrJoin(label_names_, ","), "}, got ", values.size()));
  }
}

FamilyBase* Registry::FindCompatible(
    const std::string& name, MetricType type,
    const std::vector<std::string>& label_names,
    const BucketBoundaries& buckets) const {
  for (const auto& family : families_) {
    if (family->name() != name) continue;
    auto it = buckets_.find(name);
    if (family->type() != type || family->label_names() != label_names ||
        it == buckets_.end() || it->second != buckets) {
      metrics_internal::Fail(
          absl::StrCat("metric ", name, " registered twice, differently"));
    }
    return family.get();
  }
  return nullptr;
}

std::vector<MetricFamilySnapshot> Registry::Collect() const {
  std::vector<MetricFamilySnapshot> result;
  std::shared_lock<std::shared_mutex> lock(mu_);
  result.reserve(families_.size());
  for (const auto& family : families_) result.push_back(family->Collect());
  return result;
}

std::string SerializeText(const std::vector<MetricFamilySnapshot>& families) {
  std::string out;
  for (const MetricFamilySnapshot& family : families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    AppendEscaped(out, family.help, /*escape_quote=*/false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += TypeName(family.type);
    out += '\n';
    for (const SampleSnapshot& sample : family.samples) {
      if (family.type != MetricType::kHistogram) {
        AppendSample(out, family.name, sample.labels, nullptr,
                     FormatValue(sample.value));
        continue;
      }
      const std::string bucket_name = family.name + "_bucket";
      for (size_t i = 0; i < sample.cumulative_counts.size(); ++i) {
        const std::string le = i < sample.bucket_bounds.size()
                                   ? FormatValue(sample.bucket_bounds[i])
                                   : "+Inf";
        AppendSample(out, bucket_name, sample.labels, &le,
                     absl::StrCat(sample.cumulative_counts[i]));
      }
      AppendSample(out, family.name + "_sum", sample.labels, nullptr,
                   FormatValue(sample.sample_sum));
      AppendSample(out, family.name + "_count", sample.labels, nullptr,
                   absl::StrCat(sample.sample_count));
    }
  }
  return out;
}

}  // namespace jumio_gateway::observability
