// The gateway's configuration: where it listens, where each Jumio data centre
// lives, how it authenticates, and the callback path. Values come from
// (highest precedence first) command-line flags, JUMIO_GATEWAY_* environment
// variables, a JSON config file, then built-in defaults; LoadConfig merges them
// and validates the result, so the rest of the server sees one immutable,
// already-checked GatewayConfig.
//
// ConfigTable() is the one list of settings: every entry is a flag, an
// environment variable and a JSON key of the same name, with one parser, so the
// three sources cannot drift apart and a misspelt name is refused, not ignored.
#ifndef JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_
#define JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/callbacks/component.h"
#include "server/jumio/endpoints.h"
#include "server/reconcile/reconciler.h"
#include "server/resilience/rate_limited_jumio_api.h"
#include "server/resilience/resilient_jumio_api.h"

namespace jumio_gateway::config {

// How the gateway proves itself to Jumio.
enum class AuthMode {
  kOAuth2,  // client-credentials grant at the auth host; bearer tokens on every
            // call
  kBasic,   // HTTP Basic with the same id and secret (Jumio's legacy
            // alternative)
};

struct GrpcConfig {
  // host:port of the gRPC server. Port 0 lets the OS choose (see port_file).
  std::string listen = "127.0.0.1:50051";
  // When set, the chosen gRPC port is written here once the server listens.
  std::string port_file;
  // Clients are asked to reconnect after this long, so that long-lived HTTP/2
  // connections spread over new replicas (Kubernetes Services balance
  // connections, not calls).
  absl::Duration max_connection_age = absl::Minutes(5);
};

struct AdminConfig {
  // host:port of the admin HTTP server (/metrics, /healthz, /readyz).
  std::string listen = "127.0.0.1:9090";
  std::string port_file;
};

struct JumioConfig {
  // Region of create calls that do not name one.
  std::string default_region = "amer-1";
  // Template of a host's base URL; {region} and {kind} are substituted. The
  // default is Jumio's production layout; the sandbox serves
  // "http://127.0.0.1:<port>/{region}/{kind}".
  std::string url_template = "https://{kind}.{region}.jumio.ai";
  // Per-region endpoints, expanded from the template then overridden by the
  // config file's "regions" object; and the User-Agent.
  jumio::JumioHosts hosts;
  AuthMode auth_mode = AuthMode::kOAuth2;
  // Files holding the OAuth2 client id and secret (Kubernetes Secret volumes).
  // Secrets are never read from the config file itself, so that it can live in
  // a ConfigMap.
  std::string client_id_file;
  std::string client_secret_file;
  // Longest a single Jumio call may take, whatever the caller's deadline.
  absl::Duration upstream_timeout = absl::Seconds(30);
  // Connections the transport opens to one Jumio host and to all hosts, for
  // the whole gateway (split across its I/O threads). Over HTTP/1.1 one
  // connection carries one call at a time, so the per-host cap bounds the
  // completion rate at cap / upstream latency (the old fixed 64 gave 213/s
  // against a 300 ms upstream); with HTTP/2 calls share them as streams.
  int upstream_max_connections_per_host = 1024;
  int upstream_max_connections = 4096;
};

struct UploadsConfig {
  // Limits checked before anything goes upstream (Jumio: 5 MB images, 15 MB
  // PDFs).
  int64_t max_image_bytes = 5 * 1000 * 1000;
  int64_t max_pdf_bytes = 15 * 1000 * 1000;
  // Bytes of part data all uploads (and downloads) together may hold in
  // memory; an upload that does not fit is refused at once with
  // RESOURCE_EXHAUSTED and RetryInfo. The default is a quarter of the 1 GiB
  // memory limit of the production pods (deploy/kubernetes): the rest is the
  // process's own ~50 MB, gRPC's and libcurl's transport buffers (which grow
  // with the number of streams, not with the budget) and headroom for the
  // callback path; smaller pods set it lower in their gateway.json.
  int64_t buffer_budget_bytes = int64_t{256} << 20;
  // Upload streams that may be open at once, whatever their size: each holds
  // gRPC and curl buffers of its own. 64 is about the number of 5 MB images
  // the default budget holds.
  int max_concurrent = 64;
};

// Client-side rate limiting of the calls to Jumio (server/resilience).
struct RateLimitConfig {
  bool enabled = true;
  // Rates and bursts per operation class, the queue bound.
  resilience::RateLimitOptions limits;
  // "auto": one limit shared by the replicas in Redis when callback_store is
  // redis (the callback log's server and key prefix), in memory otherwise;
  // "memory"; "redis".
  std::string store = "auto";
  // Replicas expected to share the limit: each takes 1/replicas of it when
  // the limit is kept in memory, and while Redis is unreachable.
  int replicas = 1;
};

// ---- Caller security of the gRPC port (issue 12) ----------------------------
struct SecurityConfig {
  // TLS on when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // mTLS
  std::string tokens_file;
  std::string policy_file;  // empty: every caller allowed everything
  bool insecure_allow_plaintext = false;
  bool insecure_allow_all_callers = false;
  bool tls() const { return !tls_cert_file.empty() || !tls_key_file.empty(); }
};
// ---- end of caller security -------------------------------------------------

struct GatewayConfig {
  GrpcConfig grpc;
  SecurityConfig security;
  AdminConfig admin;
  JumioConfig jumio;
  UploadsConfig uploads;
  RateLimitConfig rate_limits;
  // Retries, retry budget, circuit breakers and load shedding of the calls to
  // Jumio (server/resilience).
  resilience::ResilienceOptions resilience;
  // The callback receiver, log and feed. default_region is left unset here;
  // the gateway fills it from jumio.default_region.
  callbacks::CallbackOptions callbacks;
  // The reconciler of lost callbacks (runs with the callback path).
  // upstream_timeout is filled from jumio.upstream_timeout by the gateway.
  reconcile::ReconcileOptions reconcile;
  // Secrets at rest (issue 17): key files of the storage keyring
  // (crypto/sealer.h); the first seals, all open. Empty: a random key of this
  // process (refused with a Redis callback store, whose replicas must open
  // each other's records).
  std::vector<std::string> storage_key_files;
  // Let callbackUrl be http:// on a loopback address: for the sandbox on the
  // same machine only.
  bool allow_loopback_http_callbacks = false;
  // How long in-flight calls may take to finish after SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);

  // Whether the rate limits live in Redis (rate_limits.store).
  bool rate_limits_in_redis() const {
    return rate_limits.store == "redis" ||
           (rate_limits.store == "auto" && callbacks.store == "redis");
  }

  // Whether records are shared by several replicas (a Redis callback
  // store), which then need the same storage keys.
  bool records_shared() const {
    return callbacks_enabled() && callbacks.store == "redis";
  }

  // The callback path runs only when Jumio can reach it and tokens can be
  // signed.
  bool callbacks_enabled() const {
    return !callbacks.public_base_url.empty() &&
           !callbacks.hmac_key_files.empty();
  }
};

// One setting. Its flag is --<name>, its environment variable
// EnvironmentVariableFor(name), its JSON key <name>.
struct ConfigEntry {
  std::string name;
  std::string type;  // what the value looks like: "duration", "host:port", ...
  std::string help;
  // Parses `value` into `config`; the error says why, without the value (it
  // could be a secret's path or worse).
  std::function<absl::Status(const std::string& value, GatewayConfig& config)>
      set;
  // The setting's value in `config`, in a form `set` accepts.
  std::function<std::string(const GatewayConfig& config)> get;
};

// Every setting, in the order --help lists them.
const std::vector<ConfigEntry>& ConfigTable();

// The entry called `name`, or null.
const ConfigEntry* FindConfigEntry(const std::string& name);

// JUMIO_GATEWAY_ plus the name in upper case.
std::string EnvironmentVariableFor(const std::string& name);

// Names the config file; not a setting itself, since it says where settings
// come from.
inline constexpr char kConfigFileVariable[] = "JUMIO_GATEWAY_CONFIG";

// One source of settings: name to raw string value.
using Settings = std::map<std::string, std::string>;

// The raw inputs LoadConfig merges. Tests build these by hand; main() fills
// them from the real flags, environment and file.
struct ConfigSources {
  Settings flags;        // only the flags the operator set
  Settings environment;  // JUMIO_GATEWAY_<NAME> variables, mapped back to names
  // Contents of the JSON config file, or empty. Top-level keys are the setting
  // names; "regions" maps a region id to {"auth": url, "account": url, ...}
  // overrides.
  std::string config_file_json;
  std::string config_file_name;  // for error messages only
};

// The settings among `environ` ("NAME=value" strings, as in ::environ). Empty
// values count as unset. A JUMIO_GATEWAY_ variable that is not a setting (nor
// kConfigFileVariable) is INVALID_ARGUMENT naming it.
absl::StatusOr<Settings> SettingsFromEnvironment(
    const std::vector<std::string>& environ);

// Takes the settings' flags (--name=value, --name value, one or two dashes) out
// of argv; everything else is left, in order, for absl::ParseCommandLine.
// Empty values count as unset. `argv` must end with a null pointer, as main's
// does.
absl::StatusOr<Settings> TakeSettingFlags(std::vector<char*>& argv);

// The sources of a running process: `flags` from TakeSettingFlags, the
// settings among `environ`, and the JSON file at `config_file` (or, when that
// is empty, at the path kConfigFileVariable names, if any).
absl::StatusOr<ConfigSources> ReadSources(
    Settings flags, const std::vector<std::string>& environ,
    std::string config_file);

// Usage text for every setting: flag, type, default, help and environment
// variable.
std::string SettingsHelp();

// Merges the sources and validates the result. Errors are INVALID_ARGUMENT
// naming the key and the source it came from; they never echo a value.
absl::StatusOr<GatewayConfig> LoadConfig(const ConfigSources& sources);

// Refuses shared records (a Redis callback store) without storage_key_files.
// LoadConfig checks it; the gateway again, for configs built in code.
absl::Status CheckStorageKeys(const GatewayConfig& config);

}  // namespace jumio_gateway::config

#endif  // JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_
