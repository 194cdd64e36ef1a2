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

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/api/buffer_budget.h"
#include "server/api/callback_feed_service.h"
#include "server/api/callback_integration.h"
#include "server/api/idempotency.h"
#include "server/api/request_guard.h"
#include "server/api/services.h"
#include "server/callbacks/component.h"
#include "server/callbacks/settings.h"
#include "server/callbacks/stats.h"
#include "server/config/config.h"
#include "server/core/clock.h"
#include "server/core/port_file.h"
#include "server/http/server.h"
#include "server/jumio/client_jumio_api.h"
#include "server/jumio/credentials.h"
#include "server/jumio/curl_transport.h"
#include "server/jumio/jumio_client.h"
#include "server/jumio/token_source.h"
#include "server/observability/admin_server.h"
#include "server/observability/gateway_metrics.h"
#include "server/observability/grpc_server_metrics.h"
#include "server/observability/logger.h"
#include "server/observability/metrics.h"
#include "server/observability/process_metrics.h"
#include "server/observability/readiness.h"

// Every config key is also a flag; an empty value means "not set here", so the
// environment, the config file or the default applies (see
// server/config/config.h for the meaning of each).
ABSL_FLAG(std::string, config, "", "Path of a JSON config file (optional).");
ABSL_FLAG(bool, check_config, false,
          "Only load and validate the configuration, then exit (0: valid).");
ABSL_FLAG(std::string, grpc_listen, "", "host:port of the gRPC server.");
ABSL_FLAG(std::string, port_file, "",
          "Write the chosen gRPC port here once listening.");
ABSL_FLAG(
    std::string, admin_listen, "",
    "host:port of /metrics, /healthz and /readyz (default 127.0.0.1:9090).");
ABSL_FLAG(std::string, admin_port_file, "",
          "Write the chosen admin port here once listening.");
ABSL_FLAG(std::string, grpc_max_connection_age, "",
          "Ask clients to reconnect after this long, e.g. 5m.");
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
ABSL_FLAG(std::string, upload_buffer_budget_bytes, "",
          "Bytes of part data all uploads and downloads may buffer together "
          "(default 256 MiB); beyond it uploads get RESOURCE_EXHAUSTED.");
ABSL_FLAG(std::string, max_concurrent_uploads, "",
          "Upload streams open at once (default 64).");
ABSL_FLAG(std::string, shutdown_grace, "",
          "How long in-flight calls may finish after SIGTERM, e.g. 10s.");
ABSL_FLAG(std::string, allow_loopback_http_callbacks, "",
          "true: accept http://127.0.0.1 callback URLs (sandbox runs only).");
// The callback receiver (server/callbacks/settings.h). It runs when both
// callback_public_base_url and callback_hmac_key_files are set.
ABSL_FLAG(std::string, callback_listen_host, "",
          "Address the callback receiver binds (default 0.0.0.0).");
ABSL_FLAG(std::string, callback_listen_port, "",
          "Port of the callback receiver (default 8085; 0: any).");
ABSL_FLAG(std::string, callback_port_file, "",
          "Write the callback receiver's port here once listening.");
ABSL_FLAG(
    std::string, callback_public_base_url, "",
    "Base URL Jumio reaches the receiver at, e.g. https://cb.example.com");
ABSL_FLAG(std::string, callback_hmac_key_files, "",
          "Comma list of key files; the first signs, all verify (rotation).");
ABSL_FLAG(std::string, callback_store, "", "sqlite (default) or redis.");
ABSL_FLAG(std::string, callback_sqlite_path, "", "SQLite callback log file.");
ABSL_FLAG(std::string, callback_redis_address, "",
          "Redis host:port or unix:/path for the callback log.");
ABSL_FLAG(std::string, callback_redis_prefix, "", "Redis key prefix.");
ABSL_FLAG(std::string, callback_allowed_cidrs, "",
          "Comma list of CIDRs allowed to POST callbacks (default: Jumio's).");
ABSL_FLAG(std::string, callback_trusted_proxies, "",
          "Comma list of proxy CIDRs whose X-Forwarded-For is believed.");
ABSL_FLAG(std::string, callback_resolve_jumio_hosts, "",
          "Also allow the addresses Jumio's callback host names resolve to.");
ABSL_FLAG(std::string, callback_max_body_bytes, "", "Largest callback body.");
ABSL_FLAG(std::string, callback_body_timeout, "",
          "Longest time to receive one callback body.");
ABSL_FLAG(std::string, callback_read_timeout, "",
          "Longest time to receive one request head (default 5s).");
ABSL_FLAG(std::string, callback_idle_timeout, "",
          "How long a kept-alive receiver connection may idle (default 15s).");
ABSL_FLAG(std::string, callback_max_connections, "",
          "Receiver connections open at once, in total (default 4096).");
ABSL_FLAG(std::string, callback_max_connections_per_source, "",
          "Receiver connections open at once per source address (default "
          "256; behind an ingress, above the proxies' pool).");
ABSL_FLAG(std::string, callback_receiver_threads, "", "Receiver threads.");
ABSL_FLAG(std::string, callback_require_token, "",
          "Refuse callbacks without a valid account token (default true).");
ABSL_FLAG(std::string, callback_retention, "",
          "How long callbacks are kept (default 168h).");
ABSL_FLAG(std::string, callback_ack_deadline, "",
          "Default ack deadline of named subscriptions (default 60s).");

namespace jumio_gateway {
namespace {

using config::ConfigSources;
using config::GatewayConfig;
using observability::Logger;

constexpr char kVersion[] = "0.1.0";
constexpr char kRevision[] = "unknown";

// The callback path counts in plain atomics (server/callbacks/stats.h) so that
// it does not depend on the metrics module; at each scrape the growth since the
// last one is added to the counters.
class CallbackMetricsBridge {
 public:
  explicit CallbackMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  void Update(callbacks::CallbackComponent& component);

 private:
  observability::GatewayMetrics& metrics_;
  absl::Mutex mu_;
  std::map<std::string, uint64_t> last_ ABSL_GUARDED_BY(mu_);
};

// The HTTP servers' connection counters (server/http ServerStats), copied
// into the metrics at each scrape.
class HttpMetricsBridge {
 public:
  explicit HttpMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  void Update(const char* server, const http::ServerStats* stats) {
    if (stats == nullptr) return;
    metrics_.http_connections_open.WithLabelValues({server}).Set(
        static_cast<double>(stats->connections_open.load()));
    absl::MutexLock lock(&mu_);
    auto grow = [&](observability::Family<observability::Counter>& family,
                    const char* reason, int64_t now) {
      const uint64_t value = now < 0 ? 0 : static_cast<uint64_t>(now);
      uint64_t& last = last_[absl::StrCat(server, "/", reason)];
      if (value > last) {
        family.WithLabelValues({server, reason})
            .Increment(static_cast<double>(value - last));
      }
      last = value;
    };
    auto& refused = metrics_.http_connections_refused;
    grow(refused, "total_cap", stats->refused_total_cap.load());
    grow(refused, "source_cap", stats->refused_source_cap.load());
    auto& cut = metrics_.http_requests_cut;
    grow(cut, "head_timeout", stats->head_timeouts.load());
    grow(cut, "body_timeout", stats->body_timeouts.load());
    grow(cut, "idle_timeout", stats->idle_timeouts.load());
    grow(cut, "write_timeout", stats->write_timeouts.load());
    grow(cut, "head_too_large", stats->head_too_large.load());
    grow(cut, "body_too_large", stats->body_too_large.load());
    grow(cut, "bad_request", stats->bad_requests.load());
    grow(cut, "handler_queue_full", stats->handler_queue_full.load());
  }

 private:
  observability::GatewayMetrics& metrics_;
  absl::Mutex mu_;
  std::map<std::string, uint64_t> last_ ABSL_GUARDED_BY(mu_);
};

// The upload budget's figures, copied into the metrics at each scrape.
class UploadMetricsBridge {
 public:
  explicit UploadMetricsBridge(observability::GatewayMetrics& metrics)
      : metrics_(metrics) {}
  void Update(const api::BufferBudget::Snapshot& snapshot) {
    metrics_.upload_buffer_bytes.WithLabelValues({}).Set(
        static_cast<double>(snapshot.bytes));
    metrics_.uploads_in_flight.WithLabelValues({}).Set(snapshot.uploads);
    absl::MutexLock lock(&mu_);
    auto grow = [this](uint64_t now, uint64_t& last, const char* reason) {
      if (now > last) {
        metrics_.uploads_refused.WithLabelValues({reason}).Increment(
            static_cast<double>(now - last));
      }
      last = now;
    };
    grow(snapshot.refused_bytes, refused_bytes_,
         observability::kUploadRefusedBytes);
    grow(snapshot.refused_streams, refused_streams_,
         observability::kUploadRefusedStreams);
  }

 private:
  observability::GatewayMetrics& metrics_;
  absl::Mutex mu_;
  uint64_t refused_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t refused_streams_ ABSL_GUARDED_BY(mu_) = 0;
};

// Every config key has a string flag of the same name (defined above); looking
// it up by name keeps config::ConfigKeys() the one list of keys.
std::string FlagValue(const std::string& key) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(key);
  return flag == nullptr ? "" : flag->CurrentValue();
}

void CallbackMetricsBridge::Update(callbacks::CallbackComponent& component) {
  const callbacks::CallbackStats& stats = component.stats();
  absl::MutexLock lock(&mu_);
  // Adds what a monotonic count grew by since the previous scrape.
  auto grow = [this](const std::string& key, int64_t now,
                     observability::Counter& counter) {
    const uint64_t value = now < 0 ? 0 : static_cast<uint64_t>(now);
    uint64_t& last = last_[key];
    if (value > last) counter.Increment(static_cast<double>(value - last));
    last = value;
  };
  grow("received", stats.received.load(),
       metrics_.callbacks_received.WithLabelValues({}));
  grow("stored", stats.stored.load(),
       metrics_.callbacks_stored.WithLabelValues({}));
  grow("delivered", stats.delivered.load(),
       metrics_.callbacks_delivered.WithLabelValues({}));
  grow("unreadable", stats.unreadable.load(),
       metrics_.callbacks_unreadable.WithLabelValues({}));
  for (size_t i = 0; i < static_cast<size_t>(callbacks::RejectReason::kCount);
       ++i) {
    const auto reason = static_cast<callbacks::RejectReason>(i);
    const std::string name = callbacks::RejectReasonName(reason);
    grow("rejected/" + name, stats.Rejected(reason),
         metrics_.callbacks_rejected.WithLabelValues({name}));
  }
  metrics_.callback_subscribers.WithLabelValues({}).Set(
      static_cast<double>(stats.subscribers.load()));
}

absl::StatusOr<ConfigSources> ReadSources() {
  ConfigSources sources;
  std::vector<std::string> keys = config::ConfigKeys();
  for (const std::string& key : callbacks::CallbackSettingKeys()) {
    keys.push_back(key);
  }
  for (const std::string& key : keys) {
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

int Run(const GatewayConfig& config, Logger& logger, const sigset_t& signals) {
  const core::RealClock clock;
  observability::Registry registry;
  std::vector<std::string> regions;
  for (const auto& [region, endpoints] : config.regions)
    regions.push_back(region);
  observability::GatewayMetrics metrics(registry, {kVersion, kRevision},
                                        regions);
  metrics.AddGrpcServices(observability::ApiServiceDescriptors());
  observability::ProcessMetrics process(registry);
  std::atomic<bool> draining{false};
  // The last token request's outcome per region; a region never asked is fine.
  absl::Mutex token_mu;
  std::map<std::string, bool> token_ok;

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
    token_options.on_refresh = [&logger, &metrics, &token_mu, &token_ok](
                                   const std::string& region, bool ok) {
      metrics.RecordTokenRefresh(region, ok);
      {
        absl::MutexLock lock(&token_mu);
        token_ok[region] = ok;
      }
      if (!ok) {
        logger.Error("Jumio token request failed", {{"region", region}});
      }
    };
    tokens = std::make_unique<jumio::OAuth2TokenSource>(
        config, &credentials, transport->get(), clock, token_options);
  }
  jumio::JumioClient client(
      config, transport->get(), tokens.get(), clock,
      [&metrics, &logger](const jumio::JumioCall& call, int http_status,
                          absl::Duration elapsed,
                          const absl::Status& transport_error) {
        metrics.RecordUpstreamRequest(call.region, call.endpoint, call.method,
                                      http_status, elapsed);
        // One line per Jumio attempt, joined to the RPC's line by request_id.
        // Only the route template is logged, never the URL with its ids, nor
        // any header or body.
        // Without an HTTP answer the transport's error goes in as well: it
        // names the host and port tried (scrubbed of URL paths and header
        // values by the transport), which callers never see.
        std::vector<std::pair<std::string, std::string>> fields = {
            {"region", call.region},
            {"endpoint", call.endpoint},
            {"method", call.method},
            {"http_status", absl::StrCat(http_status)},
            {"duration_ms", absl::StrCat(absl::ToInt64Milliseconds(elapsed))},
            {"request_id", call.request_id}};
        if (!transport_error.ok()) {
          fields.emplace_back("error", std::string(transport_error.message()));
        }
        logger.Info("upstream", fields);
      });
  api::IdempotencyStore idempotency(clock, absl::Hours(24),
                                    /*max_entries=*/100000);
  api::BufferBudget::Options budget_options;
  budget_options.max_bytes = config.upload_buffer_budget_bytes;
  budget_options.max_uploads = config.max_concurrent_uploads;
  api::BufferBudget budget(budget_options);

  jumio::ClientJumioApi jumio_api(&client);
  api::ServiceContext context;
  context.options.default_region = config.default_region;
  for (const auto& [id, endpoints] : config.regions) {
    context.options.regions.push_back(id);
  }
  context.options.upstream_timeout = config.upstream_timeout;
  context.options.max_image_bytes = config.max_image_bytes;
  context.options.max_pdf_bytes = config.max_pdf_bytes;
  context.options.allow_loopback_http_callbacks =
      config.allow_loopback_http_callbacks;
  context.jumio = &jumio_api;
  context.idempotency = &idempotency;
  context.budget = &budget;
  context.clock = &clock;
  // The callback receiver, log and feed, when configured.
  std::unique_ptr<api::JumioEnricher> enricher;
  std::unique_ptr<callbacks::CallbackComponent> callback_component;
  std::unique_ptr<api::CallbackFeedService> callback_feed;
  std::unique_ptr<api::IssuerCallbackUrls> callback_urls;
  if (callbacks::CallbacksEnabled(config.extensions)) {
    absl::StatusOr<callbacks::CallbackOptions> options =
        callbacks::CallbackOptionsFromSettings(config.extensions,
                                               config.default_region);
    if (!options.ok()) {
      logger.Error("invalid configuration",
                   {{"error", std::string(options.status().message())}});
      return 2;
    }
    enricher = std::make_unique<api::JumioEnricher>(
        &jumio_api, config.upstream_timeout, clock);
    absl::StatusOr<std::unique_ptr<callbacks::CallbackComponent>> component =
        callbacks::CallbackComponent::Create(*std::move(options), &logger,
                                             enricher.get(), nullptr, clock);
    if (!component.ok()) {
      logger.Error("cannot start the callback path",
                   {{"error", std::string(component.status().message())}});
      return 1;
    }
    callback_component = *std::move(component);
    callback_feed = std::make_unique<api::CallbackFeedService>(
        callback_component->log(), callback_component->hub(),
        &callback_component->stats(), callback_component->feed_options(),
        clock);
    callback_urls =
        std::make_unique<api::IssuerCallbackUrls>(callback_component->issuer());
    context.callback_urls = callback_urls.get();
  } else {
    logger.Warning(
        "callback receiver off: set callback_public_base_url and "
        "callback_hmac_key_files to receive Jumio callbacks");
  }
  api::Services services(context, callback_feed.get());
  grpc::ServerBuilder builder;
  {
    // The request guard first: it runs first on the status being sent, so the
    // metrics and the log line see the code the caller gets.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(api::MakeRequestGuardInterceptorFactory());
    interceptors.push_back(
        observability::MakeServerMetricsInterceptorFactory(metrics, &logger));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 config.grpc_max_connection_age)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config.shutdown_grace)));
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
  health->SetServingStatus(true);

  // Readiness: not draining, Jumio tokens obtainable in every region tried, the
  // callback store reachable. The same verdict serves /readyz and the gRPC
  // "readiness" health service.
  observability::Readiness readiness;
  readiness.AddCheck("draining", [&draining] {
    return draining ? absl::UnavailableError("shutting down")
                    : absl::OkStatus();
  });
  readiness.AddCheck("jumio_token", [&token_mu, &token_ok] {
    absl::MutexLock lock(&token_mu);
    for (const auto& [region, ok] : token_ok) {
      if (!ok) {
        return absl::UnavailableError("token requests failing in " + region);
      }
    }
    return absl::OkStatus();
  });
  if (callback_component != nullptr) {
    readiness.AddCheck("callback_store", [&callback_component] {
      absl::Status status = callback_component->log()->HeadCursor().status();
      return status.ok() ? status
                         : absl::UnavailableError("callback store unreachable");
    });
  }
  readiness.SetListener([health](bool ready) {
    health->SetServingStatus(api::kReadinessService, ready);
  });
  readiness.Start(absl::Seconds(5));

  observability::AdminServer::Options admin_options;
  admin_options.listen = config.admin_listen;
  admin_options.readiness = [&readiness] { return readiness.Current(); };
  CallbackMetricsBridge callback_metrics(metrics);
  UploadMetricsBridge upload_metrics(metrics);
  HttpMetricsBridge http_metrics(metrics);
  const observability::AdminServer* admin_server = nullptr;
  admin_options.before_scrape = [&process, &callback_metrics,
                                 &callback_component, &upload_metrics, &budget,
                                 &http_metrics, &admin_server] {
    process.Update();
    upload_metrics.Update(budget.snapshot());
    if (callback_component != nullptr) {
      callback_metrics.Update(*callback_component);
      http_metrics.Update(observability::kHttpServerCallbacks,
                          callback_component->receiver_stats());
    }
    http_metrics.Update(observability::kHttpServerAdmin,
                        admin_server->server_stats());
  };
  observability::AdminServer admin(registry, admin_options);
  // Scrapes start only once admin.Start() serves, after this assignment.
  admin_server = &admin;
  if (absl::Status s = admin.Start(); !s.ok()) {
    logger.Error("cannot start the admin server",
                 {{"error", std::string(s.message())}});
    server->Shutdown();
    return 1;
  }
  if (!config.admin_port_file.empty()) {
    if (absl::Status s =
            core::WritePortFile(config.admin_port_file, admin.port());
        !s.ok()) {
      logger.Error("cannot write admin port file",
                   {{"error", std::string(s.message())}});
      server->Shutdown();
      return 1;
    }
  }

  if (callback_component != nullptr) {
    if (absl::Status s = callback_component->Start(); !s.ok()) {
      logger.Error("cannot start the callback receiver",
                   {{"error", std::string(s.message())}});
      server->Shutdown();
      return 1;
    }
  }
  if (!config.port_file.empty()) {
    if (absl::Status s = core::WritePortFile(config.port_file, port); !s.ok()) {
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
  draining = true;
  readiness.Evaluate()
      .IgnoreError();  // NOT_SERVING now, not at the next interval
  readiness.Stop();
  // The receiver stops taking callbacks and the feed ends its streams, which
  // would otherwise hold the gRPC server for the whole grace period.
  if (callback_component != nullptr) callback_component->Stop();
  server->Shutdown(absl::ToChronoTime(clock.Now() + config.shutdown_grace));
  // In-flight upstream transfers end (CANCELLED) before the objects they call
  // back into.
  transport->reset();
  admin.Stop();
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

  // Every HTTP and gRPC connection holds a descriptor; the common soft limit
  // of 1024 would cap the callback receiver and admin port far below their
  // connection caps.
  if (absl::StatusOr<uint64_t> nofile =
          jumio_gateway::http::RaiseOpenFileLimit();
      nofile.ok()) {
    logger.Info("open file limit", {{"nofile", absl::StrCat(*nofile)}});
  } else {
    logger.Warning("open file limit unchanged",
                   {{"error", std::string(nofile.status().message())}});
  }

  absl::StatusOr<jumio_gateway::config::ConfigSources> sources =
      jumio_gateway::ReadSources();
  absl::StatusOr<jumio_gateway::config::GatewayConfig> config =
      sources.ok()
          ? jumio_gateway::config::LoadConfig(
                *sources, jumio_gateway::callbacks::CallbackSettingKeys())
          : absl::StatusOr<jumio_gateway::config::GatewayConfig>(
                sources.status());
  if (!config.ok()) {
    logger.Error("invalid configuration",
                 {{"error", std::string(config.status().message())}});
    return 2;
  }
  if (config.ok() &&
      jumio_gateway::callbacks::CallbacksEnabled(config->extensions)) {
    absl::Status callbacks_ok =
        jumio_gateway::callbacks::CallbackOptionsFromSettings(
            config->extensions, config->default_region)
            .status();
    if (!callbacks_ok.ok()) {
      logger.Error("invalid configuration",
                   {{"error", std::string(callbacks_ok.message())}});
      return 2;
    }
  }
  if (absl::GetFlag(FLAGS_check_config)) {
    logger.Info("configuration is valid");
    return 0;
  }
  return jumio_gateway::Run(*config, logger, signals);
}
