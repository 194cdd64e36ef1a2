#include "sandbox/processing.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sandbox/validation.h"

namespace jumio::sandbox {
namespace {

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

int Severity(absl::string_view type) {
  if (type == "REJECTED") return 3;
  if (type == "NOT_EXECUTED") return 2;
  if (type == "WARNING") return 1;
  return 0;
}

std::vector<std::pair<std::string, std::string>> CredentialsFor(
    absl::string_view capability, const std::vector<CredentialView>& creds) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::initializer_list<absl::string_view> cats,
                 bool facemap_if_uploaded) {
    for (const auto& c : creds) {
      bool match = false;
      for (auto cat : cats) match |= c.category == cat;
      if (facemap_if_uploaded && c.category == "FACEMAP" && c.uploaded)
        match = true;
      if (match) out.emplace_back(c.id, c.category);
    }
  };
  if (capability == "liveness") {
    add({"SELFIE"}, true);
  } else if (capability == "similarity") {
    add({"ID", "SELFIE"}, false);
  } else if (capability == "authentication") {
    add({"SELFIE"}, true);
  } else {
    add({"ID"}, false);
    if (out.empty()) add({"DATA", "DOCUMENT"}, false);
  }
  return out;
}

}  // namespace

absl::StatusOr<Directive> ParseDirective(
    absl::string_view user_reference,
    absl::string_view customer_internal_reference,
    const WorkflowDef& workflow) {
  absl::string_view field = "userReference";
  absl::string_view text = user_reference;
  if (!absl::StartsWith(text, "sandbox:")) {
    field = "customerInternalReference";
    text = customer_internal_reference;
  }
  Directive d;
  if (!absl::StartsWith(text, "sandbox:")) return d;
  std::vector<std::string> parts = absl::StrSplit(text.substr(8), ':');
  const std::string& verb = parts[0];
  if (verb == "pass" || verb == "passed") return d;
  if (verb == "token_expired" || verb == "expire") {
    d.kind = Directive::Kind::kTokenExpired;
    return d;
  }
  if (verb == "session_expired") {
    d.kind = Directive::Kind::kSessionExpired;
    return d;
  }
  if (verb == "not_executed") {
    d.kind = Directive::Kind::kNotExecuted;
    d.capability = workflow.capabilities.front();
    d.label = parts.size() > 1 ? parts[1] : "TECHNICAL_ERROR";
    const CapabilityDef* cap = FindCapability(d.capability);
    if (cap == nullptr || !Contains(cap->not_executed_labels, d.label)) {
      return FieldError(
          field, absl::StrCat("sandbox directive: ", d.capability,
                              " cannot be NOT_EXECUTED with label ", d.label));
    }
    return d;
  }
  if (verb != "reject" && verb != "warning") {
    return FieldError(field,
                      absl::StrCat("unknown sandbox directive '", verb, "'"));
  }
  const bool reject = verb == "reject";
  d.kind = reject ? Directive::Kind::kReject : Directive::Kind::kWarning;
  if (parts.size() == 3) {
    d.capability = parts[1];
    d.label = parts[2];
  } else if (parts.size() == 2) {
    d.label = parts[1];
  } else {
    return FieldError(
        field,
        "sandbox directive needs a label, e.g. sandbox:reject:DIGITAL_COPY");
  }
  for (const auto& name : workflow.capabilities) {
    if (!d.capability.empty() && name != d.capability) continue;
    const CapabilityDef* cap = FindCapability(name);
    if (cap == nullptr) continue;
    if (Contains(reject ? cap->rejected_labels : cap->warning_labels,
                 d.label)) {
      d.capability = name;
      return d;
    }
  }
  return FieldError(
      field, absl::StrCat("sandbox directive: no capability of workflow ",
                          workflow.key, " can decide ", verb, " with label ",
                          d.label));
}

Outcome ComputeOutcome(const WorkflowDef& workflow,
                       const std::vector<CredentialView>& creds,
                       const Directive& directive,
                       const std::function<std::string()>& new_id) {
  Outcome out;
  auto uploaded = [&](const std::string& id) {
    for (const auto& c : creds) {
      if (c.id == id) return c.uploaded;
    }
    return false;
  };
  for (const auto& name : workflow.capabilities) {
    const CapabilityDef* cap = FindCapability(name);
    if (cap == nullptr) continue;
    // usability judges each image on its own; the others look at their
    // credentials together.
    std::vector<std::vector<std::pair<std::string, std::string>>> groups;
    if (name == "usability") {
      for (const auto& c : creds) {
        if (c.category == "DATA" || (c.category == "FACEMAP" && !c.uploaded))
          continue;
        groups.push_back({{c.id, c.category}});
      }
    } else {
      auto all = CredentialsFor(name, creds);
      if (!all.empty()) groups.push_back(all);
    }
    bool directive_used = false;
    for (auto& group : groups) {
      CapabilityResult r{name, new_id(), group, "PASSED", cap->passed_label};
      bool precondition_ok = true;
      for (const auto& dep : cap->depends_on) {
        for (const auto& prev : out.capabilities) {
          if (prev.name != dep) continue;
          bool shares = false;
          for (const auto& pc : prev.credentials) {
            for (const auto& gc : group) shares |= pc.first == gc.first;
          }
          if (shares &&
              (prev.type == "REJECTED" || prev.type == "NOT_EXECUTED")) {
            precondition_ok = false;
          }
        }
      }
      bool all_uploaded = true;
      for (const auto& gc : group) all_uploaded &= uploaded(gc.first);
      if (name == "usability" && !all_uploaded) {
        r.type = "NOT_EXECUTED";
        r.label = "NOT_UPLOADED";
      } else if (!all_uploaded && cap->depends_on.empty()) {
        r.type = "NOT_EXECUTED";
        r.label = Contains(cap->not_executed_labels, "NOT_ENOUGH_DATA")
                      ? "NOT_ENOUGH_DATA"
                      : "PRECONDITION_NOT_FULFILLED";
      } else if (!precondition_ok || !all_uploaded) {
        r.type = "NOT_EXECUTED";
        r.label = "PRECONDITION_NOT_FULFILLED";
      } else if (!directive_used && directive.capability == name) {
        directive_used = true;
        switch (directive.kind) {
          case Directive::Kind::kReject:
            r.type = "REJECTED";
            break;
          case Directive::Kind::kWarning:
            r.type = "WARNING";
            break;
          case Directive::Kind::kNotExecuted:
            r.type = "NOT_EXECUTED";
            break;
          default:
            break;
        }
        r.label = directive.label;
      }
      out.capabilities.push_back(std::move(r));
    }
  }
  int worst = 0;
  for (const auto& c : out.capabilities)
    worst = std::max(worst, Severity(c.type));
  static const char* const kTypes[] = {"PASSED", "WARNING", "NOT_EXECUTED",
                                       "REJECTED"};
  static const double kRisk[] = {0.0, 50.0, -1.0, 100.0};
  out.type = kTypes[worst];
  out.label = out.type;
  out.risk_score = kRisk[worst];
  std::map<std::string, size_t> step_index;
  for (const auto& c : out.capabilities) {
    const std::string& step = FindCapability(c.name)->step;
    auto it = step_index.find(step);
    if (it == step_index.end()) {
      it = step_index.emplace(step, out.steps.size()).first;
      out.steps.push_back({new_id(), step, {}, "PASSED"});
    }
    StepResult& s = out.steps[it->second];
    s.capability_ids.push_back(c.id);
    if (Severity(c.type) > Severity(s.type)) s.type = c.type;
  }
  return out;
}

}  // namespace jumio::sandbox
