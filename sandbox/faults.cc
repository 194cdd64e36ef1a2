#include "sandbox/faults.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sandbox/validation.h"
#include "server/core/json.h"

namespace jumio::sandbox {
namespace {

absl::StatusOr<FaultSpec> ParseOne(const rapidjson::Value& v) {
  if (!v.IsObject())
    return FieldError("faults", "each fault spec must be an object");
  FaultSpec s;
  for (const auto& m : v.GetObject()) {
    const std::string name = m.name.GetString();
    auto num = [&](double* out) -> absl::Status {
      if (!m.value.IsNumber()) return FieldError(name, "must be a number");
      *out = m.value.GetDouble();
      return absl::OkStatus();
    };
    auto integer = [&](int* out) -> absl::Status {
      if (!m.value.IsInt()) return FieldError(name, "must be an integer");
      *out = m.value.GetInt();
      return absl::OkStatus();
    };
    absl::Status st;
    if (name == "region" || name == "hostKind") {
      if (!m.value.IsString()) return FieldError(name, "must be a string");
      (name == "region" ? s.region : s.host_kind) = m.value.GetString();
    } else if (name == "latencyMs") {
      st = integer(&s.latency_ms);
    } else if (name == "errorRate") {
      st = num(&s.error_rate);
    } else if (name == "errorStatus") {
      st = integer(&s.error_status);
      if (st.ok() && (s.error_status < 400 || s.error_status > 599)) {
        return FieldError(name, "must be a 4xx or 5xx status");
      }
    } else if (name == "rate429") {
      st = num(&s.rate_429);
    } else if (name == "retryAfterSeconds") {
      st = integer(&s.retry_after_s);
    } else if (name == "dropRate") {
      st = num(&s.drop_rate);
    } else if (name == "malformedRate") {
      st = num(&s.malformed_rate);
    } else if (name == "slowBodyMs") {
      st = integer(&s.slow_body_ms);
    } else if (name == "remaining") {
      st = integer(&s.remaining);
    } else {
      return FieldError(name, "is not a fault setting");
    }
    if (!st.ok()) return st;
  }
  return s;
}

bool Matches(const std::string& pattern, absl::string_view value) {
  return pattern == "*" || pattern == value;
}

}  // namespace

absl::StatusOr<std::vector<FaultSpec>> Faults::Parse(absl::string_view json) {
  rapidjson::Document doc;
  if (absl::Status parsed = jumio_gateway::core::ParseJson(json, &doc);
      !parsed.ok()) {
    return FieldError(
        "body", absl::StrCat("is not valid JSON (", parsed.message(), ")"));
  }
  std::vector<FaultSpec> out;
  if (doc.IsArray()) {
    for (const auto& v : doc.GetArray()) {
      auto s = ParseOne(v);
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
  } else {
    auto s = ParseOne(doc);
    if (!s.ok()) return s.status();
    out.push_back(*s);
  }
  return out;
}

void Faults::Replace(std::vector<FaultSpec> specs) {
  absl::MutexLock lock(&mu_);
  specs_ = std::move(specs);
}

void Faults::Add(std::vector<FaultSpec> specs) {
  absl::MutexLock lock(&mu_);
  for (auto& s : specs) specs_.push_back(std::move(s));
}

bool Faults::empty() const {
  absl::MutexLock lock(&mu_);
  return specs_.empty();
}

FaultDecision Faults::Decide(absl::string_view region,
                             absl::string_view host_kind) {
  FaultDecision d;
  absl::MutexLock lock(&mu_);
  for (auto it = specs_.begin(); it != specs_.end();) {
    FaultSpec& s = *it;
    if (!Matches(s.region, region) || !Matches(s.host_kind, host_kind)) {
      ++it;
      continue;
    }
    d.latency_ms += s.latency_ms;
    d.slow_body_ms = std::max(d.slow_body_ms, s.slow_body_ms);
    if (d.action == FaultAction::kNone) {
      // One draw per spec keeps the rates independent of each other's order.
      const double r = random_->Uniform();
      double edge = s.error_rate;
      if (r < edge) {
        d.action = FaultAction::kError;
        d.error_status = s.error_status;
      } else if (r < (edge += s.rate_429)) {
        d.action = FaultAction::kTooMany;
        d.retry_after_s = s.retry_after_s;
      } else if (r < (edge += s.drop_rate)) {
        d.action = FaultAction::kDrop;
      } else if (r < (edge += s.malformed_rate)) {
        d.action = FaultAction::kMalformed;
      }
    }
    if (s.remaining > 0 && --s.remaining == 0) {
      it = specs_.erase(it);
    } else {
      ++it;
    }
  }
  return d;
}

std::string Faults::ToJson() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  absl::MutexLock lock(&mu_);
  w.StartObject();
  w.Key("faults");
  w.StartArray();
  for (const auto& s : specs_) {
    w.StartObject();
    w.Key("region");
    w.String(s.region.c_str());
    w.Key("hostKind");
    w.String(s.host_kind.c_str());
    w.Key("latencyMs");
    w.Int(s.latency_ms);
    w.Key("errorRate");
    w.Double(s.error_rate);
    w.Key("errorStatus");
    w.Int(s.error_status);
    w.Key("rate429");
    w.Double(s.rate_429);
    w.Key("retryAfterSeconds");
    w.Int(s.retry_after_s);
    w.Key("dropRate");
    w.Double(s.drop_rate);
    w.Key("malformedRate");
    w.Double(s.malformed_rate);
    w.Key("slowBodyMs");
    w.Int(s.slow_body_ms);
    w.Key("remaining");
    w.Int(s.remaining);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace jumio::sandbox
