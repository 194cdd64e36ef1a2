// The gateway's configuration: where it listens, where each Jumio data centre
// lives and how it authenticates. Values come from (highest precedence first)
// command-line flags, environment variables, a JSON config file, then built-in
// defaults; LoadConfig merges them and validates the result, so the rest of the
// server sees one immutable, already-checked GatewayConfig.
#ifndef JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_
#define JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jumio_gateway::config {

// The kinds of Jumio host every region has (auth.<region>.jumio.ai and so on).
enum class HostKind { kAuth, kAccount, kApi, kRetrieval, kStatus };

// "auth", "account", "api", "retrieval", "status": the words the URL template
// uses.
const char* HostKindName(HostKind kind);

// Base URLs (scheme, host, optional port and path prefix; no trailing slash) of
// one region's hosts. A request URL is the base URL plus the path Jumio
// documents ("/oauth2/token").
struct RegionEndpoints {
  std::string auth;
  std::string account;
  std::string api;
  std::string retrieval;
  std::string status;

  const std::string& For(HostKind kind) const;
  std::string& For(HostKind kind);
};

// How the gateway proves itself to Jumio.
enum class AuthMode {
  kOAuth2,  // client-credentials grant at the auth host; bearer tokens on every
            // call
  kBasic,   // HTTP Basic with the same id and secret (Jumio's legacy
            // alternative)
};

struct GatewayConfig {
  // host:port of the gRPC server. Port 0 lets the OS choose (see port_file).
  std::string grpc_listen = "127.0.0.1:50051";
  // When set, the chosen gRPC port is written here once the server listens.
  std::string port_file;
  // host:port of the admin HTTP server (/metrics, /healthz, /readyz).
  std::string admin_listen = "127.0.0.1:9090";
  std::string admin_port_file;
  // Clients are asked to reconnect after this long, so that long-lived HTTP/2
  // connections spread over new replicas (Kubernetes Services balance
  // connections, not calls).
  absl::Duration grpc_max_connection_age = absl::Minutes(5);
  // Region of create calls that do not name one.
  std::string default_region = "amer-1";
  // Sent on every Jumio call; Jumio rejects calls without a User-Agent.
  std::string user_agent = "jumio-gateway/0.1";
  // Template of a host's base URL; {region} and {kind} are substituted. The
  // default is Jumio's production layout; the sandbox serves
  // "http://127.0.0.1:<port>/{region}/{kind}".
  std::string jumio_url_template = "https://{kind}.{region}.jumio.ai";
  // Per-region endpoints, expanded from the template then overridden by the
  // config file.
  std::map<std::string, RegionEndpoints> regions;
  AuthMode auth_mode = AuthMode::kOAuth2;
  // Files holding the OAuth2 client id and secret (Kubernetes Secret volumes).
  // Secrets are never read from the config file itself, so that it can live in
  // a ConfigMap.
  std::string client_id_file;
  std::string client_secret_file;
  // Longest a single Jumio call may take, whatever the caller's deadline.
  absl::Duration upstream_timeout = absl::Seconds(30);
  // Upload limits checked before anything goes upstream (Jumio: 5 MB images, 15
  // MB PDFs).
  int64_t max_image_bytes = 5 * 1000 * 1000;
  int64_t max_pdf_bytes = 15 * 1000 * 1000;
  // Bytes of part data all uploads (and downloads) together may hold in
  // memory; an upload that does not fit is refused at once with
  // RESOURCE_EXHAUSTED and RetryInfo. The default is a quarter of the 1 GiB
  // memory limit of the production pods (deploy/kubernetes): the rest is the
  // process's own ~50 MB, gRPC's and libcurl's transport buffers (which grow
  // with the number of streams, not with the budget) and headroom for the
  // callback path; smaller pods set it lower in their gateway.json.
  int64_t upload_buffer_budget_bytes = int64_t{256} << 20;
  // Upload streams that may be open at once, whatever their size: each holds
  // gRPC and curl buffers of its own. 64 is about the number of 5 MB images
  // the default budget holds.
  int max_concurrent_uploads = 64;
  // Let callbackUrl be http:// on a loopback address: for the sandbox on the
  // same machine only.
  bool allow_loopback_http_callbacks = false;
  // How long in-flight calls may take to finish after SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Settings of other modules (the callback path), merged with the same
  // precedence but parsed by their owners: key to raw value, only the keys that
  // some source set.
  std::map<std::string, std::string> extensions;
};

// One source of settings: key to raw string value. Keys are the flag names
// (snake_case).
using Settings = std::map<std::string, std::string>;

// The raw inputs LoadConfig merges. Tests build these by hand; main() fills
// them from the real flags, environment and file.
struct ConfigSources {
  Settings flags;        // only the flags the operator set
  Settings environment;  // JUMIO_GATEWAY_<KEY> variables, already mapped back
                         // to <key>
  // Contents of the JSON config file, or empty. Top-level keys are the flag
  // names; "regions" maps a region id to {"auth": url, "account": url, ...}
  // overrides.
  std::string config_file_json;
  std::string config_file_name;  // for error messages only
};

// The keys a flag, an environment variable or the file may set.
const std::vector<std::string>& ConfigKeys();

// Environment variable that carries `key`: JUMIO_GATEWAY_ plus the key in upper
// case.
std::string EnvironmentVariableFor(const std::string& key);

// Merges the sources and validates the result. Errors are INVALID_ARGUMENT
// naming the key and the source it came from; they never echo a value that
// could be a secret.
// `extension_keys` are accepted as well and land unparsed in
// GatewayConfig::extensions.
absl::StatusOr<GatewayConfig> LoadConfig(
    const ConfigSources& sources,
    const std::vector<std::string>& extension_keys = {});

}  // namespace jumio_gateway::config

#endif  // JUMIO_GATEWAY_SERVER_CONFIG_CONFIG_H_
