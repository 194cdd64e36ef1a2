#include "server/security/policy.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/json.h"

namespace jumio_gateway::security {
namespace {

constexpr size_t kMaxPolicyBytes = size_t{1} << 20;

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("caller policy: ", what));
}

absl::StatusOr<std::vector<std::string>> Strings(const rapidjson::Value& value,
                                                 absl::string_view where) {
  if (!value.IsArray()) return Bad(absl::StrCat(where, " must be an array"));
  std::vector<std::string> out;
  for (const rapidjson::Value& item : value.GetArray()) {
    if (!item.IsString() || item.GetStringLength() == 0) {
      return Bad(absl::StrCat(where, " must hold non-empty strings"));
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

}  // namespace

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative, with one backtrack point: linear in practice, no recursion.
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool CallerRule::AllowsMethod(absl::string_view method) const {
  for (const std::string& pattern : methods) {
    if (GlobMatch(pattern, method)) return true;
  }
  return false;
}

bool CallerRule::AllowsRegion(absl::string_view region) const {
  for (const std::string& allowed : regions) {
    if (allowed == "*" || allowed == region) return true;
  }
  return false;
}

absl::StatusOr<Policy> Policy::Parse(absl::string_view json) {
  rapidjson::Document doc;
  core::JsonLimits limits;
  limits.max_bytes = kMaxPolicyBytes;
  if (absl::Status s = core::ParseJson(json, &doc, limits); !s.ok()) {
    return Bad(s.message());
  }
  if (!doc.IsObject()) return Bad("the document must be an object");
  Policy policy;
  for (const auto& member : doc.GetObject()) {
    if (absl::string_view(member.name.GetString()) != "callers") {
      return Bad(absl::StrCat("unknown key \"", member.name.GetString(), "\""));
    }
  }
  auto callers = doc.FindMember("callers");
  if (callers == doc.MemberEnd() || !callers->value.IsObject()) {
    return Bad("\"callers\" must be an object of caller name to rule");
  }
  for (const auto& caller : callers->value.GetObject()) {
    const std::string name(caller.name.GetString(),
                           caller.name.GetStringLength());
    const std::string where = absl::StrCat("caller \"", name, "\"");
    if (name.empty()) return Bad("a caller name is empty");
    if (!caller.value.IsObject()) {
      return Bad(absl::StrCat(where, " must be an object"));
    }
    CallerRule rule;
    for (const auto& key : caller.value.GetObject()) {
      const absl::string_view k(key.name.GetString(),
                                key.name.GetStringLength());
      if (k == "methods" || k == "regions") {
        absl::StatusOr<std::vector<std::string>> list =
            Strings(key.value, absl::StrCat(where, " ", k));
        if (!list.ok()) return list.status();
        (k == "methods" ? rule.methods : rule.regions) = *std::move(list);
      } else if (k == "personal_data") {
        if (!key.value.IsBool()) {
          return Bad(absl::StrCat(where, " personal_data must be true/false"));
        }
        rule.personal_data = key.value.GetBool();
      } else {
        return Bad(absl::StrCat(where, " has an unknown key \"", k, "\""));
      }
    }
    policy.callers_.emplace(name, std::move(rule));
  }
  return policy;
}

Policy Policy::AllowAll() {
  Policy policy;
  policy.allow_all_ = true;
  policy.all_.methods = {"*"};
  policy.all_.regions = {"*"};
  policy.all_.personal_data = true;
  return policy;
}

const CallerRule* Policy::Find(absl::string_view caller) const {
  if (allow_all_) return &all_;
  auto it = callers_.find(caller);
  return it == callers_.end() ? nullptr : &it->second;
}

}  // namespace jumio_gateway::security
