#include "server/config/config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "server/core/json.h"
#include "server/core/regions.h"
#include "server/security/guard.h"

namespace jumio_gateway::config {
namespace {

using jumio::HostKind;
using jumio::HostKindName;
using jumio::kHostKinds;
using jumio::RegionEndpoints;

// Where a setting lives in GatewayConfig. A capture-less lambda per entry
// keeps the table one line per setting.
template <typename T>
using Field = T& (*)(GatewayConfig&);

template <typename T>
using Check = absl::Status (*)(const T&);

// Reads a field for get(); the accessor only reads here.
template <typename T>
const T& Read(Field<T> field, const GatewayConfig& config) {
  return field(const_cast<GatewayConfig&>(config));
}

absl::Status Invalid(const std::string& key, const std::string& origin,
                     absl::string_view why) {
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

ConfigEntry Text(std::string name, std::string type, std::string help,
                 Field<std::string> field, Check<std::string> check = nullptr) {
  return {std::move(name), std::move(type), std::move(help),
          [field, check](const std::string& v, GatewayConfig& c) {
            field(c) = v;
            return check == nullptr ? absl::OkStatus() : check(v);
          },
          [field](const GatewayConfig& c) { return Read(field, c); }};
}

// A whole number from `min` to `max`; `why` replaces the generic message.
template <typename T>
ConfigEntry Number(std::string name, std::string help, Field<T> field,
                   int64_t min, int64_t max, const char* why = nullptr) {
  return {
      std::move(name), "integer", std::move(help),
      [field, min, max, why](const std::string& v, GatewayConfig& c) {
        int64_t n = 0;
        if (!absl::SimpleAtoi(v, &n) || n < min || n > max) {
          return absl::InvalidArgumentError(
              why != nullptr ? std::string(why)
                             : absl::StrCat("must be a whole number from ", min,
                                            " to ", max));
        }
        field(c) = static_cast<T>(n);
        return absl::OkStatus();
      },
      [field](const GatewayConfig& c) { return absl::StrCat(Read(field, c)); }};
}

// A duration of at least `min` (or more than `min` when `above`).
ConfigEntry Duration(std::string name, std::string help,
                     Field<absl::Duration> field, absl::Duration min,
                     bool above, const char* why) {
  return {std::move(name), "duration", std::move(help),
          [field, min, above, why](const std::string& v, GatewayConfig& c) {
            absl::Duration d;
            if (!absl::ParseDuration(v, &d) || d < min || (above && d == min)) {
              return absl::InvalidArgumentError(why);
            }
            field(c) = d;
            return absl::OkStatus();
          },
          [field](const GatewayConfig& c) {
            return absl::FormatDuration(Read(field, c));
          }};
}

ConfigEntry Positive(std::string name, std::string help,
                     Field<absl::Duration> field) {
  return Duration(std::move(name), std::move(help), field, absl::ZeroDuration(),
                  /*above=*/true, "must be a positive duration such as 10s");
}

// Calls per second of a Jumio rate limit: a decimal from 0 (no limit) to
// 10000.
ConfigEntry Rate(std::string name, std::string help, Field<double> field) {
  return {
      std::move(name), "calls/s", std::move(help),
      [field](const std::string& v, GatewayConfig& c) {
        double rate = 0;
        if (!absl::SimpleAtod(v, &rate) || !(rate >= 0 && rate <= 10000)) {
          return absl::InvalidArgumentError(
              "must be calls per second from 0 (no limit) to 10000");
        }
        field(c) = rate;
        return absl::OkStatus();
      },
      [field](const GatewayConfig& c) { return absl::StrCat(Read(field, c)); }};
}

ConfigEntry Bool(std::string name, std::string help, Field<bool> field) {
  return {std::move(name), "bool", std::move(help),
          [field](const std::string& v, GatewayConfig& c) {
            const std::string lower = absl::AsciiStrToLower(v);
            if (lower == "true" || lower == "1" || lower == "yes") {
              field(c) = true;
            } else if (lower == "false" || lower == "0" || lower == "no") {
              field(c) = false;
            } else {
              return absl::InvalidArgumentError("must be true or false");
            }
            return absl::OkStatus();
          },
          [field](const GatewayConfig& c) {
            return std::string(Read(field, c) ? "true" : "false");
          }};
}

// Comma-separated; blanks around items and empty items are dropped.
ConfigEntry List(std::string name, std::string help,
                 Field<std::vector<std::string>> field,
                 bool at_least_one = false) {
  return {std::move(name), "comma list", std::move(help),
          [field, at_least_one](const std::string& v, GatewayConfig& c) {
            std::vector<std::string>& items = field(c);
            items.clear();
            for (absl::string_view item : absl::StrSplit(v, ',')) {
              item = absl::StripAsciiWhitespace(item);
              if (!item.empty()) items.emplace_back(item);
            }
            // An empty value unsets the list; a value of only commas is a
            // mistake.
            if (at_least_one && items.empty() && !v.empty()) {
              return absl::InvalidArgumentError("must name at least one file");
            }
            return absl::OkStatus();
          },
          [field](const GatewayConfig& c) {
            return absl::StrJoin(Read(field, c), ",");
          }};
}

ConfigEntry ReconcileScheduleEntry() {
  return {"reconcile_schedule", "comma list of durations",
          "Status checks of a finalized workflow execution whose callback has "
          "not come, as delays after finalize (Jumio's retrieval schedule).",
          [](const std::string& v, GatewayConfig& c) {
            absl::StatusOr<std::vector<absl::Duration>> schedule =
                reconcile::ParseSchedule(v);
            if (!schedule.ok()) return schedule.status();
            c.reconcile.schedule = *std::move(schedule);
            return absl::OkStatus();
          },
          [](const GatewayConfig& c) {
            return reconcile::FormatSchedule(c.reconcile.schedule);
          }};
}

ConfigEntry AuthModeEntry() {
  return {
      "auth_mode", "oauth2|basic", "How the gateway authenticates to Jumio.",
      [](const std::string& v, GatewayConfig& c) {
        if (v == "oauth2") {
          c.jumio.auth_mode = AuthMode::kOAuth2;
        } else if (v == "basic") {
          c.jumio.auth_mode = AuthMode::kBasic;
        } else {
          return absl::InvalidArgumentError("must be oauth2 or basic");
        }
        return absl::OkStatus();
      },
      [](const GatewayConfig& c) {
        return std::string(c.jumio.auth_mode == AuthMode::kBasic ? "basic"
                                                                 : "oauth2");
      }};
}

ConfigEntry PublicBaseUrlEntry() {
  return {"callback_public_base_url", "URL",
          "Base URL Jumio reaches the receiver at, e.g. "
          "https://cb.example.com. The receiver runs when this and "
          "callback_hmac_key_files are set.",
          [](const std::string& v, GatewayConfig& c) {
            c.callbacks.public_base_url =
                std::string(absl::StripSuffix(v, "/"));
            if (!v.empty() && !absl::StartsWith(v, "https://") &&
                !absl::StartsWith(v, "http://")) {
              return absl::InvalidArgumentError("must be an http(s) URL");
            }
            return absl::OkStatus();
          },
          [](const GatewayConfig& c) { return c.callbacks.public_base_url; }};
}

// A share in percent, stored as a fraction.
ConfigEntry Percent(std::string name, std::string help, Field<double> field,
                    int64_t max) {
  return {std::move(name), "percent", std::move(help),
          [field, max](const std::string& v, GatewayConfig& c) {
            int64_t n = 0;
            if (!absl::SimpleAtoi(v, &n) || n < 0 || n > max) {
              return absl::InvalidArgumentError(
                  absl::StrCat("must be a whole percentage from 0 to ", max));
            }
            field(c) = static_cast<double>(n) / 100.0;
            return absl::OkStatus();
          },
          [field](const GatewayConfig& c) {
            return absl::StrCat(std::llround(Read(field, c) * 100.0));
          }};
}

// ---- Caller security (issue 12) -------------------------------------------
std::vector<ConfigEntry> SecurityEntries() {
  using C = GatewayConfig;
  return {
      Text(
          "grpc_tls_cert_file", "path",
          "PEM certificate chain of the gRPC port; with grpc_tls_key_file "
          "it turns TLS on. Re-read when it changes; a broken new pair keeps "
          "the old one serving.",
          [](C & c) -> auto& { return c.security.tls_cert_file; }),
      Text(
          "grpc_tls_key_file", "path", "PEM private key of the gRPC port.",
          [](C & c) -> auto& { return c.security.tls_key_file; }),
      Text(
          "grpc_tls_client_ca_file", "path",
          "PEM CA bundle for client certificates (mTLS): a caller's identity "
          "is its certificate's SPIFFE URI SAN, else its subject CN.",
          [](C & c) -> auto& { return c.security.tls_client_ca_file; }),
      Text(
          "caller_tokens_file", "path",
          "Bearer tokens: lines of \"<caller> <sha256 hex of the token>\". "
          "Re-read when it changes. Accepted over TLS or from loopback only.",
          [](C & c) -> auto& { return c.security.tokens_file; }),
      Text(
          "caller_policy_file", "path",
          "JSON caller policy (methods, regions, personal_data per caller); "
          "default deny. Unset: every caller is allowed everything, which "
          "only a loopback listen address (or "
          "insecure_allow_all_callers) permits.",
          [](C & c) -> auto& { return c.security.policy_file; }),
      Bool(
          "insecure_allow_plaintext",
          "Serve gRPC without TLS on a non-loopback address.",
          [](C & c) -> auto& { return c.security.insecure_allow_plaintext; }),
      Bool(
          "insecure_allow_all_callers",
          "Without caller_policy_file, allow every caller everything on a "
          "non-loopback address.",
          [](C & c) -> auto& { return c.security.insecure_allow_all_callers; }),
  };
}
// ---- end of caller security -------------------------------------------------

std::vector<ConfigEntry> BuildTable() {
  using C = GatewayConfig;
  std::vector<ConfigEntry> table = {
      // gRPC.
      Text(
          "grpc_listen", "host:port",
          "Address of the gRPC server (port 0: any).",
          [](C & c) -> auto& { return c.grpc.listen; }, CheckListenAddress),
      Text(
          "port_file", "path",
          "Write the chosen gRPC port here once listening.",
          [](C & c) -> auto& { return c.grpc.port_file; }),
      Duration(
          "grpc_max_connection_age",
          "Ask clients to reconnect after this long, so that connections "
          "spread over new replicas.",
          [](C & c) -> auto& { return c.grpc.max_connection_age; },
          absl::Seconds(1), /*above=*/false,
          "must be a duration of at least 1s, such as 5m"),
      // Admin.
      Text(
          "admin_listen", "host:port",
          "Address of /metrics, /healthz and /readyz.",
          [](C & c) -> auto& { return c.admin.listen; }, CheckListenAddress),
      Text(
          "admin_port_file", "path",
          "Write the chosen admin port here once listening.",
          [](C & c) -> auto& { return c.admin.port_file; }),
      // Jumio.
      Text(
          "default_region", "region",
          "Region of create calls that name none: amer-1, emea-1, apac-1.",
          [](C & c) -> auto& { return c.jumio.default_region; },
          [](const std::string& v) {
            return core::IsKnownRegion(v)
                       ? absl::OkStatus()
                       : absl::InvalidArgumentError(absl::StrCat(
                             "must be one of ", core::KnownRegionList()));
          }),
      Text(
          "user_agent", "string", "User-Agent sent to Jumio.",
          [](C & c) -> auto& { return c.jumio.hosts.user_agent; },
          [](const std::string& v) {
            return v.empty() ? absl::InvalidArgumentError("must not be empty")
                             : absl::OkStatus();
          }),
      Text(
          "jumio_url_template", "URL",
          "Base URL template of Jumio hosts, with {region} and {kind}; the "
          "config file's \"regions\" object overrides single hosts.",
          [](C & c) -> auto& { return c.jumio.url_template; },
          [](const std::string& v) {
            if (!absl::StrContains(v, "{region}") ||
                !absl::StrContains(v, "{kind}")) {
              return absl::InvalidArgumentError(
                  "must contain both {region} and {kind}");
            }
            return CheckBaseUrl(v);
          }),
      AuthModeEntry(),
      Text(
          "client_id_file", "path", "File holding the Jumio client id.",
          [](C & c) -> auto& { return c.jumio.client_id_file; }),
      Text(
          "client_secret_file", "path", "File holding the Jumio client secret.",
          [](C & c) -> auto& { return c.jumio.client_secret_file; }),
      Positive(
          "upstream_timeout",
          "Longest one Jumio call may take, whatever the caller's "
          "deadline.",
          [](C & c) -> auto& { return c.jumio.upstream_timeout; }),
      Number<int>(
          "upstream_max_connections_per_host",
          "Connections to one Jumio host, for the whole gateway; calls "
          "beyond it wait for a free one (HTTP/2 upstreams share them as "
          "streams). Bounds HTTP/1.1 throughput at this / upstream latency.",
          [](C & c) -> auto& {
            return c.jumio.upstream_max_connections_per_host;
          },
          1, 1 << 16),
      Number<int>(
          "upstream_max_connections",
          "Connections to all Jumio hosts together, for the whole gateway "
          "(each one is a file descriptor).",
          [](C & c) -> auto& { return c.jumio.upstream_max_connections; }, 1,
          1 << 16),
      // Upstream resilience.
      Number<int>(
          "upstream_max_attempts",
          "Attempts of one Jumio call, the first included (retries happen "
          "only where safe, within the caller's deadline and the budget).",
          [](C & c) -> auto& { return c.resilience.max_attempts; }, 1, 20),
      Percent(
          "upstream_retry_budget_percent",
          "Retries allowed per region, as a share of the requests of the "
          "budget window.",
          [](C & c) -> auto& { return c.resilience.budget.ratio; }, 1000),
      Number<int>(
          "upstream_retry_budget_floor",
          "Retries allowed per region in the budget window whatever the "
          "number of requests.",
          [](C & c) -> auto& { return c.resilience.budget.floor; }, 0, 100000),
      Number<int>(
          "upstream_breaker_failures",
          "Failures in a row that open a region's host's circuit breaker.",
          [](C & c) -> auto& {
            return c.resilience.breaker.consecutive_failures;
          },
          1, 100000),
      Positive(
          "upstream_breaker_open_for",
          "How long an open circuit breaker fails calls before it probes.",
          [](C & c) -> auto& { return c.resilience.breaker.open_for; }),
      Number<int>(
          "upstream_max_in_flight",
          "Jumio calls in flight per region and host kind; beyond it calls "
          "get RESOURCE_EXHAUSTED at once (0: unbounded).",
          [](C & c) -> auto& { return c.resilience.max_in_flight; }, 0,
          1 << 20),
      // Client-side rate limits of the calls to Jumio (Jumio's published
      // limits: account create/update 1/s per tenant with short bursts,
      // retrieval 15/s).
      Bool(
          "upstream_rate_limits",
          "Pace calls to Jumio at its rate limits: a call waits for its "
          "turn within its deadline instead of getting a 429.",
          [](C & c) -> auto& { return c.rate_limits.enabled; }),
      Rate(
          "upstream_rate_account_write",
          "CreateAccount/UpdateAccount calls per second and region.",
          [](C & c) -> auto& {
            return c.rate_limits.limits.account_write.per_second;
          }),
      Number<int>(
          "upstream_rate_account_write_burst",
          "Account writes that may go at once after a quiet period.",
          [](C & c) -> auto& {
            return c.rate_limits.limits.account_write.burst;
          },
          1, 10000),
      Rate(
          "upstream_rate_retrieval",
          "Calls per second and region to the retrieval host (reads, "
          "downloads, deletes).",
          [](C & c) -> auto& {
            return c.rate_limits.limits.retrieval.per_second;
          }),
      Number<int>(
          "upstream_rate_retrieval_burst",
          "Retrieval calls that may go at once after a quiet period.",
          [](C & c) -> auto& { return c.rate_limits.limits.retrieval.burst; },
          1, 10000),
      Rate(
          "upstream_rate_other",
          "Other calls (part uploads, finalize) per second and region; "
          "0: no limit (Jumio publishes none).",
          [](C & c) -> auto& { return c.rate_limits.limits.other.per_second; }),
      Number<int>(
          "upstream_rate_other_burst",
          "Other calls that may go at once after a quiet period.",
          [](C & c) -> auto& { return c.rate_limits.limits.other.burst; }, 1,
          10000),
      Number<int>(
          "upstream_rate_queue",
          "Calls that may wait for their turn per region and class; beyond "
          "it RESOURCE_EXHAUSTED at once.",
          [](C & c) -> auto& { return c.rate_limits.limits.max_queue; }, 0,
          1000000),
      Text(
          "upstream_rate_store", "auto|memory|redis",
          "Where the rate limits are kept: redis shares one limit among the "
          "replicas (callback_redis_address and _prefix); auto is redis when "
          "callback_store is.",
          [](C & c) -> auto& { return c.rate_limits.store; },
          [](const std::string& v) {
            return v == "auto" || v == "memory" || v == "redis"
                       ? absl::OkStatus()
                       : absl::InvalidArgumentError(
                             "must be auto, memory or redis");
          }),
      Number<int>(
          "upstream_rate_replicas",
          "Replicas sharing the limits; each uses 1/N of them when they are "
          "kept in memory, and while Redis is unreachable.",
          [](C & c) -> auto& { return c.rate_limits.replicas; }, 1, 10000),
      // Uploads.
      Number<int64_t>(
          "max_image_bytes", "Largest JPEG/PNG upload accepted (bytes).",
          [](C & c) -> auto& { return c.uploads.max_image_bytes; }, 1,
          64 * 1000 * 1000, "must be a byte count from 1 to 64000000"),
      Number<int64_t>(
          "max_pdf_bytes", "Largest PDF upload accepted (bytes).",
          [](C & c) -> auto& { return c.uploads.max_pdf_bytes; }, 1,
          64 * 1000 * 1000, "must be a byte count from 1 to 64000000"),
      Number<int64_t>(
          "upload_buffer_budget_bytes",
          "Bytes of part data all uploads and downloads may buffer together; "
          "beyond it uploads get RESOURCE_EXHAUSTED.",
          [](C & c) -> auto& { return c.uploads.buffer_budget_bytes; },
          int64_t{1} << 20, int64_t{1} << 40,
          "must be a byte count from 1048576 (1 MiB) to 2^40"),
      Number<int>(
          "max_concurrent_uploads", "Upload streams open at once.",
          [](C & c) -> auto& { return c.uploads.max_concurrent; }, 1, 100000,
          "must be a number from 1 to 100000"),
      // Gateway-wide.
      Bool(
          "allow_loopback_http_callbacks",
          "Accept http://127.0.0.1 callback URLs (sandbox runs only).",
          [](C & c) -> auto& { return c.allow_loopback_http_callbacks; }),
      Duration(
          "shutdown_grace",
          "How long in-flight calls may finish after SIGTERM.",
          [](C & c) -> auto& { return c.shutdown_grace; }, absl::ZeroDuration(),
          /*above=*/false, "must be a non-negative duration such as 10s"),
      // The callback receiver.
      Text(
          "callback_listen_host", "address",
          "Address the callback receiver binds.",
          [](C & c) -> auto& { return c.callbacks.listen_host; }),
      Number<int>(
          "callback_listen_port", "Port of the callback receiver (0: any).",
          [](C & c) -> auto& { return c.callbacks.listen_port; }, 0, 65535),
      Text(
          "callback_port_file", "path",
          "Write the callback receiver's port here once listening.",
          [](C & c) -> auto& { return c.callbacks.port_file; }),
      PublicBaseUrlEntry(),
      List(
          "callback_hmac_key_files",
          "Key files; the first signs, all verify (rotation).",
          [](C & c) -> auto& { return c.callbacks.hmac_key_files; },
          /*at_least_one=*/true),
      Text(
          "callback_store", "sqlite|redis", "Where callbacks are logged.",
          [](C & c) -> auto& { return c.callbacks.store; },
          [](const std::string& v) {
            return v == "sqlite" || v == "redis"
                       ? absl::OkStatus()
                       : absl::InvalidArgumentError("must be sqlite or redis");
          }),
      Text(
          "callback_sqlite_path", "path", "SQLite callback log file.",
          [](C & c) -> auto& { return c.callbacks.sqlite_path; }),
      Text(
          "callback_redis_address", "host:port|unix:/path",
          "Redis server of the callback log.",
          [](C & c) -> auto& { return c.callbacks.redis_address; }),
      Text(
          "callback_redis_prefix", "string", "Redis key prefix.",
          [](C & c) -> auto& { return c.callbacks.redis_prefix; }),
      List(
          "callback_allowed_cidrs",
          "CIDRs allowed to POST callbacks (default: Jumio's published ones).",
          [](C & c) -> auto& { return c.callbacks.allowed_cidrs; }),
      List(
          "callback_trusted_proxies",
          "Proxy CIDRs whose X-Forwarded-For is believed.",
          [](C & c) -> auto& { return c.callbacks.trusted_proxy_cidrs; }),
      Bool(
          "callback_resolve_jumio_hosts",
          "Also allow the addresses Jumio's callback host names resolve to.",
          [](C & c) -> auto& { return c.callbacks.resolve_jumio_hosts; }),
      Number<size_t>(
          "callback_max_body_bytes", "Largest callback body.",
          [](C & c) -> auto& { return c.callbacks.max_body_bytes; }, 1024,
          16 << 20),
      Positive(
          "callback_body_timeout", "Longest time to receive one callback body.",
          [](C & c) -> auto& { return c.callbacks.body_timeout; }),
      Positive(
          "callback_read_timeout", "Longest time to receive one request head.",
          [](C & c) -> auto& { return c.callbacks.read_timeout; }),
      Positive(
          "callback_idle_timeout",
          "How long a kept-alive receiver connection may idle.",
          [](C & c) -> auto& { return c.callbacks.idle_timeout; }),
      Number<int>(
          "callback_max_connections",
          "Receiver connections open at once, in total.",
          [](C & c) -> auto& { return c.callbacks.max_connections; }, 16,
          1 << 20),
      Number<int>(
          "callback_max_connections_per_source",
          "Receiver connections open at once per source address (behind an "
          "ingress, above the proxies' pool).",
          [](C & c) -> auto& { return c.callbacks.max_connections_per_source; },
          1, 1 << 20),
      Number<int>(
          "callback_receiver_threads", "Receiver threads.",
          [](C & c) -> auto& { return c.callbacks.receiver_threads; }, 1, 4096),
      Bool(
          "callback_require_token",
          "Refuse callbacks without a valid account token.",
          [](C & c) -> auto& { return c.callbacks.require_token; }),
      Positive(
          "callback_retention", "How long callbacks are kept.",
          [](C & c) -> auto& { return c.callbacks.retention; }),
      Positive(
          "callback_binding_retention",
          "How long an account's callback token binding is kept.",
          [](C & c) -> auto& { return c.callbacks.binding_retention; }),
      Positive(
          "callback_retention_interval",
          "How often the bounded retention sweep runs over every store (and "
          "the oldest-record age metric is read).",
          [](C & c) -> auto& { return c.callbacks.retention_interval; }),
      Positive(
          "request_id_retention",
          "How long a CreateAccount/UpdateAccount request_id and its outcome "
          "are kept in the callback store (in memory without one).",
          [](C & c) -> auto& { return c.callbacks.request_id_retention; }),
      List(
          "storage_key_files",
          "Key files sealing stored secrets (AES-256-GCM; 32 bytes as 64 hex "
          "digits or base64 each). The first seals, all open: rotate by "
          "listing a new key first and restarting. Required with "
          "callback_store=redis; unset, a random key of this process.",
          [](C & c) -> auto& { return c.storage_key_files; },
          /*at_least_one=*/true),
      Positive(
          "callback_ack_deadline",
          "Default ack deadline of named subscriptions.",
          [](C & c) -> auto& { return c.callbacks.feed.default_ack_deadline; }),
      // The reconciler of lost callbacks.
      Bool(
          "reconcile_enabled",
          "Track started workflow executions and find the results whose "
          "callback never came (with the callback receiver only).",
          [](C & c) -> auto& { return c.reconcile.enabled; }),
      ReconcileScheduleEntry(),
      Positive(
          "reconcile_session_timeout",
          "Jumio's session timeout: when a never-finalized workflow "
          "execution is first checked (or its token lifetime, if shorter).",
          [](C & c) -> auto& { return c.reconcile.session_timeout; }),
      Duration(
          "reconcile_expiry_grace",
          "How long after an expiry its first status check waits.",
          [](C & c) -> auto& { return c.reconcile.expiry_grace; },
          absl::ZeroDuration(), /*above=*/false,
          "must be a non-negative duration such as 1m"),
      Positive(
          "reconcile_unfinalized_interval",
          "Later status checks of a never-finalized workflow execution.",
          [](C & c) -> auto& { return c.reconcile.unfinalized_interval; }),
      Positive(
          "reconcile_tick", "How often due status checks are looked for.",
          [](C & c) -> auto& { return c.reconcile.tick; }),
      Number<int>(
          "reconcile_batch", "Most status checks per tick and replica.",
          [](C & c) -> auto& { return c.reconcile.batch; }, 1, 10000),
      Positive(
          "reconcile_lease",
          "How long a replica owns the status check it took (at least "
          "upstream_timeout + 10s).",
          [](C & c) -> auto& { return c.reconcile.lease; }),
  };
  for (ConfigEntry& entry : SecurityEntries())
    table.push_back(std::move(entry));
  return table;
}

absl::Status Apply(const Settings& settings, const std::string& origin,
                   GatewayConfig& config) {
  for (const auto& [key, value] : settings) {
    const ConfigEntry* entry = FindConfigEntry(key);
    if (entry == nullptr) return Invalid(key, origin, "unknown key");
    if (absl::Status status = entry->set(value, config); !status.ok()) {
      return Invalid(key, origin, status.message());
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
    if (FindConfigEntry(key) == nullptr) {
      return Invalid(key, origin, "unknown key");
    }
    if (member.value.IsString()) {
      settings[key] = member.value.GetString();
    } else if (member.value.IsInt64()) {
      settings[key] = absl::StrCat(member.value.GetInt64());
    } else if (member.value.IsBool()) {
      settings[key] = member.value.GetBool() ? "true" : "false";
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

bool IsFlagName(absl::string_view arg, absl::string_view* name,
                absl::string_view* value, bool* has_value) {
  if (!absl::ConsumePrefix(&arg, "-")) return false;
  absl::ConsumePrefix(&arg, "-");
  const size_t equals = arg.find('=');
  *has_value = equals != absl::string_view::npos;
  *name = arg.substr(0, equals);
  *value = *has_value ? arg.substr(equals + 1) : absl::string_view();
  return FindConfigEntry(std::string(*name)) != nullptr;
}

}  // namespace

const std::vector<ConfigEntry>& ConfigTable() {
  static const auto* const kTable = new std::vector<ConfigEntry>(BuildTable());
  return *kTable;
}

const ConfigEntry* FindConfigEntry(const std::string& name) {
  static const auto* const kIndex = [] {
    auto* index = new std::map<std::string, const ConfigEntry*>();
    for (const ConfigEntry& entry : ConfigTable())
      index->emplace(entry.name, &entry);
    return index;
  }();
  const auto it = kIndex->find(name);
  return it == kIndex->end() ? nullptr : it->second;
}

std::string EnvironmentVariableFor(const std::string& name) {
  return "JUMIO_GATEWAY_" + absl::AsciiStrToUpper(name);
}

absl::StatusOr<Settings> SettingsFromEnvironment(
    const std::vector<std::string>& environ) {
  static const auto* const kByVariable = [] {
    auto* names = new std::map<std::string, std::string>();
    for (const ConfigEntry& entry : ConfigTable()) {
      names->emplace(EnvironmentVariableFor(entry.name), entry.name);
    }
    return names;
  }();
  Settings settings;
  for (const std::string& line : environ) {
    const size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string variable = line.substr(0, equals);
    if (!absl::StartsWith(variable, "JUMIO_GATEWAY_") ||
        variable == kConfigFileVariable) {
      continue;
    }
    const auto name = kByVariable->find(variable);
    if (name == kByVariable->end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("environment variable ", variable,
                       " is not a setting (see jumio-gateway --help)"));
    }
    if (equals + 1 < line.size()) {
      settings[name->second] = line.substr(equals + 1);
    }
  }
  return settings;
}

absl::StatusOr<Settings> TakeSettingFlags(std::vector<char*>& argv) {
  Settings flags;
  std::vector<char*> rest;
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::string_view name, value;
    bool has_value = false;
    // argv[0] is the program; "--" ends the flags.
    if (i == 0 || argv[i] == nullptr ||
        !IsFlagName(argv[i], &name, &value, &has_value)) {
      rest.push_back(argv[i]);
      if (argv[i] != nullptr && absl::string_view(argv[i]) == "--") {
        for (++i; i < argv.size(); ++i) rest.push_back(argv[i]);
      }
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argv.size() || argv[i + 1] == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (value.empty()) {
      flags.erase(std::string(name));
    } else {
      flags[std::string(name)] = std::string(value);
    }
  }
  argv = std::move(rest);
  return flags;
}

absl::StatusOr<ConfigSources> ReadSources(
    Settings flags, const std::vector<std::string>& environ,
    std::string config_file) {
  ConfigSources sources;
  sources.flags = std::move(flags);
  absl::StatusOr<Settings> environment = SettingsFromEnvironment(environ);
  if (!environment.ok()) return environment.status();
  sources.environment = *std::move(environment);
  const std::string prefix = absl::StrCat(kConfigFileVariable, "=");
  for (const std::string& line : environ) {
    if (config_file.empty() && absl::StartsWith(line, prefix)) {
      config_file = line.substr(prefix.size());
    }
  }
  if (config_file.empty()) return sources;
  std::ifstream in(config_file);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read config file ", config_file));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  sources.config_file_json = contents.str();
  sources.config_file_name = config_file;
  return sources;
}

std::string SettingsHelp() {
  GatewayConfig defaults;
  std::string text;
  for (const ConfigEntry& entry : ConfigTable()) {
    const std::string value = entry.get(defaults);
    absl::StrAppend(
        &text, "  --", entry.name, "=<", entry.type, ">  ", entry.help,
        "\n      default: ", value.empty() ? "(unset)" : value,
        "; environment: ", EnvironmentVariableFor(entry.name), "\n");
  }
  return text;
}

absl::Status CheckStorageKeys(const GatewayConfig& config) {
  if (config.records_shared() && config.storage_key_files.empty()) {
    return absl::InvalidArgumentError(
        "storage_key_files: required with callback_store=redis (every "
        "replica must open the records the others sealed)");
  }
  return absl::OkStatus();
}

absl::StatusOr<GatewayConfig> LoadConfig(const ConfigSources& sources) {
  GatewayConfig config;
  Settings file_settings;
  std::map<std::string, std::map<std::string, std::string>> overrides;
  const std::string file_origin = "file " + sources.config_file_name;
  if (!sources.config_file_json.empty()) {
    if (absl::Status s = ParseConfigFile(sources, file_settings, overrides);
        !s.ok()) {
      return s;
    }
  }
  // Lowest precedence first, so that later sources overwrite earlier ones.
  if (absl::Status s = Apply(file_settings, file_origin, config); !s.ok()) {
    return s;
  }
  if (absl::Status s = Apply(sources.environment, "environment", config);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Apply(sources.flags, "flags", config); !s.ok()) {
    return s;
  }

  for (const core::RegionEntry& entry : core::kRegions) {
    const std::string region(entry.id);
    RegionEndpoints endpoints = Expand(config.jumio.url_template, region);
    for (const auto& [kind_name, url] : overrides[region]) {
      const auto kind = std::find_if(
          std::begin(kHostKinds), std::end(kHostKinds),
          // A structured binding cannot be captured before C++20 (clang 14
          // refuses it; the fuzz build is clang): capture a reference.
          [&name = kind_name](HostKind k) { return name == HostKindName(k); });
      const std::string path = absl::StrCat("regions.", region, ".", kind_name);
      if (kind == std::end(kHostKinds)) {
        return Invalid(path, file_origin,
                       "unknown host kind (auth, account, api, retrieval, "
                       "status)");
      }
      if (absl::Status s = CheckBaseUrl(url); !s.ok()) {
        return Invalid(path, file_origin, s.message());
      }
      endpoints.For(*kind) = url;
    }
    config.jumio.hosts.regions[region] = std::move(endpoints);
  }
  if (absl::Status s = CheckStorageKeys(config); !s.ok()) return s;
  // Caller security (issue 12): refused here, so that --check_config sees it.
  const SecurityConfig& sec = config.security;
  if (sec.tls_cert_file.empty() != sec.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "grpc_tls_cert_file and grpc_tls_key_file go together");
  }
  if (!sec.tls_client_ca_file.empty() && !sec.tls()) {
    return absl::InvalidArgumentError(
        "grpc_tls_client_ca_file needs grpc_tls_cert_file and "
        "grpc_tls_key_file");
  }
  if (absl::Status s = security::CheckExposure(
          config.grpc.listen, sec.tls(), !sec.policy_file.empty(),
          sec.insecure_allow_plaintext, sec.insecure_allow_all_callers);
      !s.ok()) {
    return s;
  }
  return config;
}

}  // namespace jumio_gateway::config
