// jumio-gateway: one gRPC service in front of the Jumio KYX platform.
//
// main() only wires things together: it reads the configuration, builds the
// server with every service, the gRPC health service and server reflection, and
// turns SIGTERM/SIGINT into a graceful shutdown (readiness goes NOT_SERVING
// first, then in-flight calls get the grace period).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/api/idempotency.h"
#include "server/api/services.h"
#include "server/config/config.h"
#include "server/jumio/credentials.h"
#include "server/jumio/curl_transport.h"
#include "server/jumio/jumio_client.h"
#include "server/jumio/token_source.h"
#include "server/observability/logger.h"

// Every config key is also a flag; an empty value means "not set here", so the
// environment, the config file or the default applies (see
// server/config/config.h for the meaning of each).
ABSL_FLAG(std::string, config, "", "Path of a JSON config file (optional).");
ABSL_FLAG(std::string, grpc_listen, "", "host:port of the gRPC server.");
ABSL_FLAG(std::string, port_file, "",
          "Write the chosen gRPC port here once listening.");
ABSL_FLAG(std::string, default_region, "",
          "Region of create calls that name none: amer-1, emea-1, apac-1.");
ABSL_FLAG(std::string, user_agent, "", "User-Agent sent to Jumio.");
ABSL_FLAG(std::string, jumio_url_template, "",
          "Base URL template of Jumio hosts, with {region} and {kind}.");
ABSL_FLAG(std::string, auth_mode, "", "oauth2 or basic.");
ABSL_FLAG(std::string, client_id_file, "", "File holding the Jumio client id.");
ABSL_FLAG(std::string, client_secret_file, "",
          "File holding the Jumio client secret.");
ABSL_FLAG(std::string, upstream_timeout, "",
          "Longest one Jumio call may take, e.g. 30s.");
ABSL_FLAG(std::string, max_image_bytes, "",
          "Largest JPEG/PNG upload accepted (bytes).");
ABSL_FLAG(std::string, max_pdf_bytes, "",
          "Largest PDF upload accepted (bytes).");
ABSL_FLAG(std::string, shutdown_grace, "",
          "How long in-flight calls may finish after SIGTERM, e.g. 10s.");

namespace jumio_gateway {
namespace {

using config::ConfigSources;
using config::GatewayConfig;
using observability::Logger;

// Every config key has a string flag of the same name (defined above); looking
// it up by name keeps config::ConfigKeys() the one list of keys.
std::string FlagValue(const std::string& key) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(key);
  return flag == nullptr ? "" : flag->CurrentValue();
}

absl::StatusOr<ConfigSources> ReadSources() {
  ConfigSources sources;
  for (const std::string& key : config::ConfigKeys()) {
    if (std::string value = FlagValue(key); !value.empty()) {
      sources.flags[key] = value;
    }
    if (const char* value =
            std::getenv(config::EnvironmentVariableFor(key).c_str());
        value != nullptr && *value != '\0') {
      sources.environment[key] = value;
    }
  }
  std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) {
    const char* env = std::getenv("JUMIO_GATEWAY_CONFIG");
    if (env != nullptr) path = env;
  }
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read config file ", path));
    }
    std::stringstream contents;
    contents << in.rdbuf();
    sources.config_file_json = contents.str();
    sources.config_file_name = path;
  }
  return sources;
}

absl::Status WritePortFile(const std::string& path, int port) {
  // Write then rename, so that a reader never sees a half-written file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::InternalError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError("cannot rename " + tmp + " to " + path);
  }
  return absl::OkStatus();
}

int Run(const GatewayConfig& config, Logger& logger, const sigset_t& signals) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  // Construction order is destruction order reversed: the transport goes first,
  // completing every transfer while the token source and client it calls back
  // into still exist.
  jumio::FileCredentialsProvider credentials(config.client_id_file,
                                             config.client_secret_file);
  jumio::CurlMultiTransport::Options transport_options;
  transport_options.user_agent = config.user_agent;
  absl::StatusOr<std::unique_ptr<jumio::CurlMultiTransport>> transport =
      jumio::CurlMultiTransport::Create(transport_options);
  if (!transport.ok()) {
    logger.Error("cannot start the HTTP transport",
                 {{"error", std::string(transport.status().message())}});
    return 1;
  }
  std::unique_ptr<jumio::TokenSource> tokens;
  if (config.auth_mode == config::AuthMode::kBasic) {
    tokens = std::make_unique<jumio::BasicAuthSource>(&credentials);
  } else {
    jumio::OAuth2TokenSource::Options token_options;
    token_options.on_refresh = [&logger](const std::string& region, bool ok) {
      if (!ok) {
        logger.Error("Jumio token request failed", {{"region", region}});
      }
    };
    tokens = std::make_unique<jumio::OAuth2TokenSource>(
        config, &credentials, transport->get(), absl::Now, token_options);
  }
  jumio::JumioClient client(config, transport->get(), tokens.get(), absl::Now);
  api::IdempotencyStore idempotency(absl::Now, absl::Hours(24),
                                    /*max_entries=*/100000);

  api::ServiceContext context;
  context.config = &config;
  context.jumio = &client;
  context.idempotency = &idempotency;
  context.clock = absl::Now;
  api::Services services(context, /*callback_feed=*/nullptr);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.grpc_listen,
                           grpc::InsecureServerCredentials(), &port);
  services.RegisterWith(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    logger.Error("cannot listen", {{"address", config.grpc_listen}});
    return 1;
  }

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(api::kLivenessService, true);
  health->SetServingStatus(api::kReadinessService, true);
  health->SetServingStatus(true);

  if (!config.port_file.empty()) {
    if (absl::Status s = WritePortFile(config.port_file, port); !s.ok()) {
      logger.Error("cannot write port file",
                   {{"error", std::string(s.message())}});
      server->Shutdown();
      return 1;
    }
  }
  logger.Info("serving", {{"grpc_port", absl::StrCat(port)},
                          {"default_region", config.default_region}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger.Info("shutting down", {{"signal", absl::StrCat(signal_number)}});
  // Readiness first, so that load balancers stop sending new calls while the
  // rest drain.
  health->SetServingStatus(api::kReadinessService, false);
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoSeconds(config.shutdown_grace));
  // In-flight upstream transfers end (CANCELLED) before the objects they call
  // back into.
  transport->reset();
  logger.Info("stopped");
  return 0;
}

}  // namespace
}  // namespace jumio_gateway

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "jumio-gateway: gRPC gateway to the Jumio KYX platform. Every flag can "
      "also be set as "
      "JUMIO_GATEWAY_<FLAG> or in the --config JSON file.");
  absl::ParseCommandLine(argc, argv);
  jumio_gateway::observability::Logger logger(stderr);

  // Block the shutdown signals before any thread starts, so that only sigwait()
  // sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<jumio_gateway::config::ConfigSources> sources =
      jumio_gateway::ReadSources();
  absl::StatusOr<jumio_gateway::config::GatewayConfig> config =
      sources.ok() ? jumio_gateway::config::LoadConfig(*sources)
                   : absl::StatusOr<jumio_gateway::config::GatewayConfig>(
                         sources.status());
  if (!config.ok()) {
    logger.Error("invalid configuration",
                 {{"error", std::string(config.status().message())}});
    return 2;
  }
  return jumio_gateway::Run(*config, logger, signals);
}
