#include "client/jumioctl/args.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::client {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::vector<FlagSpec>& specs) {
  std::map<std::string, const FlagSpec*> by_name;
  for (const FlagSpec& spec : specs) by_name[spec.name] = &spec;
  Args args;
  bool flags_ended = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (flags_ended || !absl::StartsWith(arg, "-") || arg == "-") {
      args.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    // "-name" is accepted as "--name", as absl and gflags do.
    std::string body = arg.substr(absl::StartsWith(arg, "--") ? 2 : 1);
    std::optional<std::string> value;
    const size_t eq = body.find('=');
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    auto it = by_name.find(body);
    bool negated = false;
    if (it == by_name.end() && absl::StartsWith(body, "no") && !value) {
      it = by_name.find(body.substr(2));
      negated = it != by_name.end() && it->second->is_bool;
      if (!negated) it = by_name.end();
    }
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", body));
    }
    const FlagSpec& spec = *it->second;
    if (spec.is_bool) {
      if (negated) {
        value = "false";
      } else if (!value) {
        value = "true";
      } else if (*value != "true" && *value != "false") {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", spec.name, " takes true or false, not \"", *value, "\""));
      }
    } else if (!value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", spec.name, " needs a value"));
      }
      value = argv[++i];
    }
    if (args.values_.count(spec.name) == 0) args.given_.push_back(spec.name);
    auto& values = args.values_[spec.name];
    if (!spec.repeated) values.clear();
    values.push_back(*value);
  }
  return args;
}

std::string Args::Get(const std::string& name,
                      const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback
                                                   : it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

std::optional<bool> Args::GetBool(const std::string& name) const {
  if (!Has(name)) return std::nullopt;
  return Get(name) == "true";
}

}  // namespace jumio_gateway::client
