#include "client/jumioctl/request_flags.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/output.h"

namespace jumio_gateway::client {

namespace pb = ::google::protobuf;

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status LoadRequestJson(const Env& env, pb::Message* request) {
  if (!env.args.Has("request_json")) return absl::OkStatus();
  const std::string path = env.args.Get("request_json");
  absl::StatusOr<std::string> json = ReadInput(path);
  if (!json.ok()) return json.status();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(*json, request, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--request_json ", path, " is not a ",
                     request->GetDescriptor()->full_name(), ": ",
                     std::string(status.message())));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ParseEnum(const pb::EnumDescriptor& type,
                              const std::string& flag,
                              const std::string& text) {
  std::string upper = absl::AsciiStrToUpper(text);
  std::replace(upper.begin(), upper.end(), '-', '_');
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    const pb::EnumValueDescriptor* value = type.value(i);
    if (value->number() == 0) continue;
    const std::string short_name = ShortEnumName(type, value->number());
    names.push_back(absl::AsciiStrToLower(short_name));
    if (upper == short_name || upper == value->name()) return value->number();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, "=", text, ": expected one of ", absl::StrJoin(names, ", ")));
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag,
                                                 const std::string& text) {
  absl::Duration duration;
  int64_t days = 0;
  // absl durations stop at hours; Jumio token lifetimes are often in days.
  if (absl::EndsWith(text, "d") &&
      absl::SimpleAtoi(absl::string_view(text).substr(0, text.size() - 1),
                       &days)) {
    duration = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", text, ": expected a duration such as 30s, 5m, 2h"));
  }
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be positive"));
  }
  return duration;
}

absl::StatusOr<int64_t> ParseIntFlag(const Env& env, const std::string& flag,
                                     int64_t min, int64_t max) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(env.args.Get(flag), &value) || value < min ||
      value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", env.args.Get(flag),
                     ": expected an integer from ", min, " to ", max));
  }
  return value;
}

void ToDurationProto(absl::Duration d, pb::Duration* out) {
  out->set_seconds(absl::IDivDuration(d, absl::Seconds(1), &d));
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

}  // namespace jumio_gateway::client
