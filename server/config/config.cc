#include "server/config/config.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "rapidjson/document.h"
#include "server/core/json.h"
#include "server/core/regions.h"

namespace jumio_gateway::config {
namespace {

constexpr HostKind kHostKinds[] = {HostKind::kAuth, HostKind::kAccount,
                                   HostKind::kApi, HostKind::kRetrieval,
                                   HostKind::kStatus};

using Setter =
    std::function<absl::Status(const std::string& value, GatewayConfig&)>;

absl::Status Invalid(const std::string& key, const std::string& origin,
                     const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("config key '", key, "' (from ", origin, "): ", why));
}

absl::Status CheckListenAddress(const std::string& value) {
  const size_t colon = value.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError("must be host:port with a port 0..65535");
  }
  return absl::OkStatus();
}

absl::Status CheckBaseUrl(const std::string& value) {
  if (!absl::StartsWith(value, "https://") &&
      !absl::StartsWith(value, "http://")) {
    return absl::InvalidArgumentError("must start with https:// or http://");
  }
  if (absl::EndsWith(value, "/")) {
    return absl::InvalidArgumentError("must not end with '/'");
  }
  return absl::OkStatus();
}

absl::Status ParseByteLimit(const std::string& value, int64_t& limit) {
  if (!absl::SimpleAtoi(value, &limit) || limit <= 0 ||
      limit > int64_t{64} * 1000 * 1000) {
    return absl::InvalidArgumentError(
        "must be a byte count from 1 to 64000000");
  }
  return absl::OkStatus();
}

// Each key's parser. Keeping them in one table means flags, environment and
// file accept exactly the same keys with exactly the same rules.
const std::map<std::string, Setter>& Setters() {
  static const auto* const kSetters = new std::map<std::string, Setter>{
      {"grpc_listen",
       [](const std::string& v, GatewayConfig& c) {
         c.grpc_listen = v;
         return CheckListenAddress(v);
       }},
      {"port_file",
       [](const std::string& v, GatewayConfig& c) {
         c.port_file = v;
         return absl::OkStatus();
       }},
      {"admin_listen",
       [](const std::string& v, GatewayConfig& c) {
         c.admin_listen = v;
         return CheckListenAddress(v);
       }},
      {"admin_port_file",
       [](const std::string& v, GatewayConfig& c) {
         c.admin_port_file = v;
         return absl::OkStatus();
       }},
      {"grpc_max_connection_age",
       [](const std::string& v, GatewayConfig& c) {
         if (!absl::ParseDuration(v, &c.grpc_max_connection_age) ||
             c.grpc_max_connection_age < absl::Seconds(1)) {
           return absl::InvalidArgumentError(
               "must be a duration of at least 1s, such as 5m");
         }
         return absl::OkStatus();
       }},
      {"default_region",
       [](const std::string& v, GatewayConfig& c) {
         c.default_region = v;
         return core::IsKnownRegion(v)
                    ? absl::OkStatus()
                    : absl::InvalidArgumentError(absl::StrCat(
                          "must be one of ", core::KnownRegionList()));
       }},
      {"user_agent",
       [](const std::string& v, GatewayConfig& c) {
         c.user_agent = v;
         return v.empty() ? absl::InvalidArgumentError("must not be empty")
                          : absl::OkStatus();
       }},
      {"jumio_url_template",
       [](const std::string& v, GatewayConfig& c) {
         c.jumio_url_template = v;
         if (!absl::StrContains(v, "{region}") ||
             !absl::StrContains(v, "{kind}")) {
           return absl::InvalidArgumentError(
               "must contain both {region} and {kind}");
         }
         return CheckBaseUrl(v);
       }},
      {"auth_mode",
       [](const std::string& v, GatewayConfig& c) {
         if (v == "oauth2") {
           c.auth_mode = AuthMode::kOAuth2;
         } else if (v == "basic") {
           c.auth_mode = AuthMode::kBasic;
         } else {
           return absl::InvalidArgumentError("must be oauth2 or basic");
         }
         return absl::OkStatus();
       }},
      {"client_id_file",
       [](const std::string& v, GatewayConfig& c) {
         c.client_id_file = v;
         return absl::OkStatus();
       }},
      {"client_secret_file",
       [](const std::string& v, GatewayConfig& c) {
         c.client_secret_file = v;
         return absl::OkStatus();
       }},
      {"upstream_timeout",
       [](const std::string& v, GatewayConfig& c) {
         if (!absl::ParseDuration(v, &c.upstream_timeout) ||
             c.upstream_timeout <= absl::ZeroDuration()) {
           return absl::InvalidArgumentError(
               "must be a positive duration such as 30s");
         }
         return absl::OkStatus();
       }},
      {"max_image_bytes",
       [](const std::string& v, GatewayConfig& c) {
         return ParseByteLimit(v, c.max_image_bytes);
       }},
      {"max_pdf_bytes",
       [](const std::string& v, GatewayConfig& c) {
         return ParseByteLimit(v, c.max_pdf_bytes);
       }},
      {"upload_buffer_budget_bytes",
       [](const std::string& v, GatewayConfig& c) {
         if (!absl::SimpleAtoi(v, &c.upload_buffer_budget_bytes) ||
             c.upload_buffer_budget_bytes < (int64_t{1} << 20) ||
             c.upload_buffer_budget_bytes > (int64_t{1} << 40)) {
           return absl::InvalidArgumentError(
               "must be a byte count from 1048576 (1 MiB) to 2^40");
         }
         return absl::OkStatus();
       }},
      {"max_concurrent_uploads",
       [](const std::string& v, GatewayConfig& c) {
         if (!absl::SimpleAtoi(v, &c.max_concurrent_uploads) ||
             c.max_concurrent_uploads < 1 ||
             c.max_concurrent_uploads > 100000) {
           return absl::InvalidArgumentError(
               "must be a number from 1 to 100000");
         }
         return absl::OkStatus();
       }},
      {"allow_loopback_http_callbacks",
       [](const std::string& v, GatewayConfig& c) {
         if (v != "true" && v != "false") {
           return absl::InvalidArgumentError("must be true or false");
         }
         c.allow_loopback_http_callbacks = v == "true";
         return absl::OkStatus();
       }},
      {"shutdown_grace",
       [](const std::string& v, GatewayConfig& c) {
         if (!absl::ParseDuration(v, &c.shutdown_grace) ||
             c.shutdown_grace < absl::ZeroDuration()) {
           return absl::InvalidArgumentError(
               "must be a non-negative duration such as 10s");
         }
         return absl::OkStatus();
       }},
  };
  return *kSetters;
}

absl::Status Apply(const Settings& settings, const std::string& origin,
                   const std::vector<std::string>& extension_keys,
                   GatewayConfig& config) {
  for (const auto& [key, value] : settings) {
    if (std::find(extension_keys.begin(), extension_keys.end(), key) !=
        extension_keys.end()) {
      config.extensions[key] = value;
      continue;
    }
    const auto setter = Setters().find(key);
    if (setter == Setters().end()) {
      return Invalid(key, origin, "unknown key");
    }
    if (absl::Status status = setter->second(value, config); !status.ok()) {
      return Invalid(key, origin, std::string(status.message()));
    }
  }
  return absl::OkStatus();
}

// Reads the file's scalar keys into `settings` and its "regions" object into
// `overrides`.
absl::Status ParseConfigFile(
    const ConfigSources& sources, Settings& settings,
    std::map<std::string, std::map<std::string, std::string>>& overrides) {
  const std::string origin = absl::StrCat("file ", sources.config_file_name);
  rapidjson::Document doc;
  if (absl::Status parsed = core::ParseJson(sources.config_file_json, &doc);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": ", parsed.message()));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": must hold a JSON object"));
  }
  for (const auto& member : doc.GetObject()) {
    const std::string key = member.name.GetString();
    if (key == "regions") {
      if (!member.value.IsObject()) {
        return Invalid(key, origin, "must be an object of region ids");
      }
      for (const auto& region : member.value.GetObject()) {
        const std::string region_id = region.name.GetString();
        if (!core::IsKnownRegion(region_id)) {
          return Invalid("regions." + region_id, origin, "unknown region");
        }
        if (!region.value.IsObject()) {
          return Invalid("regions." + region_id, origin,
                         "must be an object of host kinds");
        }
        for (const auto& host : region.value.GetObject()) {
          const std::string path =
              absl::StrCat("regions.", region_id, ".", host.name.GetString());
          if (!host.value.IsString())
            return Invalid(path, origin, "must be a string");
          overrides[region_id][host.name.GetString()] = host.value.GetString();
        }
      }
      continue;
    }
    if (member.value.IsString()) {
      settings[key] = member.value.GetString();
    } else if (member.value.IsInt64()) {
      settings[key] = absl::StrCat(member.value.GetInt64());
    } else {
      return Invalid(key, origin, "must be a string");
    }
  }
  return absl::OkStatus();
}

RegionEndpoints Expand(const std::string& url_template,
                       const std::string& region) {
  RegionEndpoints endpoints;
  for (HostKind kind : kHostKinds) {
    endpoints.For(kind) = absl::StrReplaceAll(
        url_template, {{"{region}", region}, {"{kind}", HostKindName(kind)}});
  }
  return endpoints;
}

}  // namespace

const char* HostKindName(HostKind kind) {
  switch (kind) {
    case HostKind::kAuth:
      return "auth";
    case HostKind::kAccount:
      return "account";
    case HostKind::kApi:
      return "api";
    case HostKind::kRetrieval:
      return "retrieval";
    case HostKind::kStatus:
      return "status";
  }
  return "unknown";
}

const std::string& RegionEndpoints::For(HostKind kind) const {
  switch (kind) {
    case HostKind::kAuth:
      return auth;
    case HostKind::kAccount:
      return account;
    case HostKind::kApi:
      return api;
    case HostKind::kRetrieval:
      return retrieval;
    case HostKind::kStatus:
      return status;
  }
  return status;
}

std::string& RegionEndpoints::For(HostKind kind) {
  return const_cast<std::string&>(std::as_const(*this).For(kind));
}

const std::vector<std::string>& ConfigKeys() {
  static const auto* const kKeys = [] {
    auto* keys = new std::vector<std::string>();
    for (const auto& [key, setter] : Setters()) keys->push_back(key);
    return keys;
  }();
  return *kKeys;
}

std::string EnvironmentVariableFor(const std::string& key) {
  return "JUMIO_GATEWAY_" + absl::AsciiStrToUpper(key);
}

absl::StatusOr<GatewayConfig> LoadConfig(
    const ConfigSources& sources,
    const std::vector<std::string>& extension_keys) {
  GatewayConfig config;
  Settings file_settings;
  std::map<std::string, std::map<std::string, std::string>> overrides;
  if (!sources.config_file_json.empty()) {
    if (absl::Status s = ParseConfigFile(sources, file_settings, overrides);
        !s.ok()) {
      return s;
    }
  }
  // Lowest precedence first, so that later sources overwrite earlier ones.
  if (absl::Status s = Apply(file_settings, "file " + sources.config_file_name,
                             extension_keys, config);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Apply(sources.environment, "environment", extension_keys, config);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Apply(sources.flags, "flags", extension_keys, config);
      !s.ok()) {
    return s;
  }

  for (const core::RegionEntry& entry : core::kRegions) {
    const std::string region(entry.id);
    RegionEndpoints endpoints = Expand(config.jumio_url_template, region);
    for (const auto& [kind_name, url] : overrides[region]) {
      const auto kind = std::find_if(
          std::begin(kHostKinds), std::end(kHostKinds),
          // A structured binding cannot be captured before C++20 (clang 14
          // refuses it; the fuzz build is clang): capture a reference.
          [&name = kind_name](HostKind k) { return name == HostKindName(k); });
      const std::string path = absl::StrCat("regions.", region, ".", kind_name);
      const std::string origin = "file " + sources.config_file_name;
      if (kind == std::end(kHostKinds)) {
        return Invalid(path, origin,
                       "unknown host kind (auth, account, api, retrieval, "
                       "status)");
      }
      if (absl::Status s = CheckBaseUrl(url); !s.ok()) {
        return Invalid(path, origin, std::string(s.message()));
      }
      endpoints.For(*kind) = url;
    }
    config.regions[region] = std::move(endpoints);
  }
  return config;
}

}  // namespace jumio_gateway::config
