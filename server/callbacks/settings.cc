#include "server/callbacks/settings.h"

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;

using Parser =
    std::function<absl::Status(const std::string& value, CallbackOptions&)>;

absl::Status ParseInt(const std::string& value, int64_t min, int64_t max,
                      int64_t& out) {
  if (!absl::SimpleAtoi(value, &out) || out < min || out > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be a whole number from ", min, " to ", max));
  }
  return absl::OkStatus();
}

absl::Status ParseDuration(const std::string& value, absl::Duration& out) {
  if (!absl::ParseDuration(value, &out) || out <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "must be a positive duration such as 10s");
  }
  return absl::OkStatus();
}

absl::Status ParseBool(const std::string& value, bool& out) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "yes") {
    out = true;
  } else if (lower == "false" || lower == "0" || lower == "no") {
    out = false;
  } else {
    return absl::InvalidArgumentError("must be true or false");
  }
  return absl::OkStatus();
}

std::vector<std::string> ParseList(const std::string& value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

const std::map<std::string, Parser>& Parsers() {
  static const auto* const kParsers = new std::map<std::string, Parser>{
      {"callback_listen_host",
       [](const std::string& v, CallbackOptions& o) {
         o.listen_host = v;
         return absl::OkStatus();
       }},
      {"callback_listen_port",
       [](const std::string& v, CallbackOptions& o) {
         int64_t port;
         absl::Status s = ParseInt(v, 0, 65535, port);
         o.listen_port = static_cast<int>(port);
         return s;
       }},
      {"callback_port_file",
       [](const std::string& v, CallbackOptions& o) {
         o.port_file = v;
         return absl::OkStatus();
       }},
      {"callback_max_body_bytes",
       [](const std::string& v, CallbackOptions& o) {
         int64_t bytes;
         absl::Status s = ParseInt(v, 1024, 16 << 20, bytes);
         o.max_body_bytes = static_cast<size_t>(bytes);
         return s;
       }},
      {"callback_body_timeout",
       [](const std::string& v, CallbackOptions& o) {
         return ParseDuration(v, o.body_timeout);
       }},
      {"callback_read_timeout",
       [](const std::string& v, CallbackOptions& o) {
         return ParseDuration(v, o.read_timeout);
       }},
      {"callback_idle_timeout",
       [](const std::string& v, CallbackOptions& o) {
         return ParseDuration(v, o.idle_timeout);
       }},
      {"callback_max_connections",
       [](const std::string& v, CallbackOptions& o) {
         int64_t n;
         absl::Status s = ParseInt(v, 16, 1 << 20, n);
         o.max_connections = static_cast<int>(n);
         return s;
       }},
      {"callback_max_connections_per_source",
       [](const std::string& v, CallbackOptions& o) {
         int64_t n;
         absl::Status s = ParseInt(v, 1, 1 << 20, n);
         o.max_connections_per_source = static_cast<int>(n);
         return s;
       }},
      {"callback_receiver_threads",
       [](const std::string& v, CallbackOptions& o) {
         int64_t threads;
         absl::Status s = ParseInt(v, 1, 4096, threads);
         o.receiver_threads = static_cast<int>(threads);
         return s;
       }},
      {"callback_require_token",
       [](const std::string& v, CallbackOptions& o) {
         return ParseBool(v, o.require_token);
       }},
      {"callback_allowed_cidrs",
       [](const std::string& v, CallbackOptions& o) {
         o.allowed_cidrs = ParseList(v);
         return absl::OkStatus();
       }},
      {"callback_trusted_proxies",
       [](const std::string& v, CallbackOptions& o) {
         o.trusted_proxy_cidrs = ParseList(v);
         return absl::OkStatus();
       }},
      {"callback_resolve_jumio_hosts",
       [](const std::string& v, CallbackOptions& o) {
         return ParseBool(v, o.resolve_jumio_hosts);
       }},
      {"callback_public_base_url",
       [](const std::string& v, CallbackOptions& o) {
         o.public_base_url = std::string(absl::StripSuffix(v, "/"));
         if (o.public_base_url.rfind("https://", 0) != 0 &&
             o.public_base_url.rfind("http://", 0) != 0) {
           return absl::InvalidArgumentError("must be an http(s) URL");
         }
         return absl::OkStatus();
       }},
      {"callback_hmac_key_files",
       [](const std::string& v, CallbackOptions& o) {
         o.hmac_key_files = ParseList(v);
         return o.hmac_key_files.empty()
                    ? absl::InvalidArgumentError("must name at least one file")
                    : absl::OkStatus();
       }},
      {"callback_store",
       [](const std::string& v, CallbackOptions& o) {
         o.store = v;
         return v == "sqlite" || v == "redis"
                    ? absl::OkStatus()
                    : absl::InvalidArgumentError("must be sqlite or redis");
       }},
      {"callback_sqlite_path",
       [](const std::string& v, CallbackOptions& o) {
         o.sqlite_path = v;
         return absl::OkStatus();
       }},
      {"callback_redis_address",
       [](const std::string& v, CallbackOptions& o) {
         o.redis_address = v;
         return absl::OkStatus();
       }},
      {"callback_redis_prefix",
       [](const std::string& v, CallbackOptions& o) {
         o.redis_prefix = v;
         return absl::OkStatus();
       }},
      {"callback_retention",
       [](const std::string& v, CallbackOptions& o) {
         return ParseDuration(v, o.retention);
       }},
      {"callback_ack_deadline",
       [](const std::string& v, CallbackOptions& o) {
         return ParseDuration(v, o.feed.default_ack_deadline);
       }},
  };
  return *kParsers;
}

}  // namespace

const std::vector<std::string>& CallbackSettingKeys() {
  static const auto* const kKeys = [] {
    auto* keys = new std::vector<std::string>();
    for (const auto& [key, parser] : Parsers()) keys->push_back(key);
    return keys;
  }();
  return *kKeys;
}

bool CallbacksEnabled(const std::map<std::string, std::string>& settings) {
  auto has = [&](const char* key) {
    auto it = settings.find(key);
    return it != settings.end() && !it->second.empty();
  };
  return has("callback_public_base_url") && has("callback_hmac_key_files");
}

absl::StatusOr<CallbackOptions> CallbackOptionsFromSettings(
    const std::map<std::string, std::string>& settings,
    const std::string& default_region) {
  CallbackOptions options;
  options.default_region = codec::RegionFromId(default_region);
  for (const auto& [key, value] : settings) {
    auto parser = Parsers().find(key);
    if (parser == Parsers().end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key '", key, "': unknown callback setting"));
    }
    if (absl::Status s = parser->second(value, options); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config key '", key, "': ", s.message()));
    }
  }
  return options;
}

}  // namespace jumio_gateway::callbacks
