#include "server/gateway.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/api/request_guard.h"
#include "server/core/port_file.h"
#include "server/crypto/sealer.h"
#include "server/jumio/codec/json_util.h"
#include "server/observability/grpc_server_metrics.h"
#include "server/resilience/redis_rate_limiter.h"

namespace jumio_gateway {
namespace {

constexpr char kVersion[] = "0.1.0";
constexpr char kRevision[] = "unknown";

std::vector<std::string> RegionIds(const config::GatewayConfig& config) {
  std::vector<std::string> ids;
  for (const auto& [id, endpoints] : config.jumio.hosts.regions) {
    ids.push_back(id);
  }
  return ids;
}

absl::Status Annotate(absl::string_view what, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

}  // namespace

void TokenHealth::Record(const std::string& region, bool ok) {
  absl::MutexLock lock(&mu_);
  ok_[region] = ok;
}

absl::Status TokenHealth::Check() const {
  absl::MutexLock lock(&mu_);
  for (const auto& [region, ok] : ok_) {
    if (!ok) {
      return absl::UnavailableError("token requests failing in " + region);
    }
  }
  return absl::OkStatus();
}

Gateway::Gateway(config::GatewayConfig config, observability::Logger* logger)
    : config_(std::move(config)),
      logger_(logger),
      metrics_(registry_, {kVersion, kRevision}, RegionIds(config_)),
      process_(registry_),
      callback_metrics_(metrics_),
      reconcile_metrics_(metrics_),
      erasure_metrics_(metrics_),
      upload_metrics_(metrics_),
      http_metrics_(metrics_) {
  metrics_.AddGrpcServices(observability::ApiServiceDescriptors());
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(
    config::GatewayConfig config, observability::Logger* logger) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config), logger));
  if (absl::Status s = gateway->Build(); !s.ok()) return s;
  return gateway;
}

absl::Status Gateway::Build() {
  // Process-wide switches of gRPC; setting them again is harmless.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  if (absl::Status s = BuildSecurity(); !s.ok()) return s;
  if (absl::Status s = BuildStorageKeys(); !s.ok()) return s;

  const config::JumioConfig& jumio = config_.jumio;
  credentials_ = std::make_unique<jumio::FileCredentialsProvider>(
      jumio.client_id_file, jumio.client_secret_file);
  jumio::CurlMultiTransport::Options transport_options;
  transport_options.user_agent = jumio.hosts.user_agent;
  // The settings are for the whole gateway; each I/O thread owns one
  // connection cache, so each gets its share (rounded up).
  const auto per_thread = [&](int total) {
    const int threads = transport_options.io_threads;
    return static_cast<size_t>((total + threads - 1) / threads);
  };
  transport_options.max_connections_per_host =
      per_thread(jumio.upstream_max_connections_per_host);
  transport_options.max_total_connections =
      per_thread(jumio.upstream_max_connections);
  absl::StatusOr<std::unique_ptr<jumio::CurlMultiTransport>> transport =
      jumio::CurlMultiTransport::Create(transport_options);
  if (!transport.ok()) {
    return Annotate("cannot start the HTTP transport", transport.status());
  }
  transport_ = *std::move(transport);
  if (jumio.auth_mode == config::AuthMode::kBasic) {
    tokens_ = std::make_unique<jumio::BasicAuthSource>(credentials_.get());
  } else {
    jumio::OAuth2TokenSource::Options token_options;
    token_options.on_refresh = [this](const std::string& region, bool ok) {
      metrics_.RecordTokenRefresh(region, ok);
      token_health_.Record(region, ok);
      if (!ok) {
        logger_->Error("Jumio token request failed", {{"region", region}});
      }
    };
    tokens_ = std::make_unique<jumio::OAuth2TokenSource>(
        jumio.hosts, credentials_.get(), transport_.get(), clock_,
        token_options);
  }
  client_ = std::make_unique<jumio::JumioClient>(
      jumio.hosts, transport_.get(), tokens_.get(), clock_,
      [this](const jumio::JumioCall& call, int http_status,
             absl::Duration elapsed, const absl::Status& transport_error) {
        RecordUpstream(call, http_status, elapsed, transport_error);
      });
  api::BufferBudget::Options budget_options;
  budget_options.max_bytes = config_.uploads.buffer_budget_bytes;
  budget_options.max_uploads = config_.uploads.max_concurrent;
  budget_ = std::make_unique<api::BufferBudget>(budget_options);

  jumio_api_ = std::make_unique<jumio::ClientJumioApi>(client_.get());
  // Every caller of Jumio (the services and the enricher) goes through the
  // resilience decorator: retries where safe, the retry budget, breakers and
  // shedding per region and host kind. Below it, every attempt, a retry too,
  // waits for its turn under Jumio's rate limits:
  // Resilient -> RateLimited -> ClientJumioApi.
  timer_ = std::make_unique<core::TimerThread>(clock_);
  jumio::JumioApi* below_resilience = jumio_api_.get();
  if (config_.rate_limits.enabled) {
    if (config_.rate_limits_in_redis()) {
      resilience::RedisRateLimiterOptions redis;
      redis.address = config_.callbacks.redis_address;
      redis.prefix = config_.callbacks.redis_prefix;
      redis.replicas = config_.rate_limits.replicas;
      rate_limiter_ =
          std::make_unique<resilience::RedisRateLimiter>(redis, clock_);
    }
    resilience::RateLimitOptions limits = config_.rate_limits.limits;
    if (rate_limiter_ == nullptr) {
      // In memory, each replica keeps to its share.
      rate_limiter_ = std::make_unique<resilience::GcraRateLimiter>(clock_);
      const int replicas = config_.rate_limits.replicas;
      for (resilience::RateLimit* limit :
           {&limits.account_write, &limits.retrieval, &limits.other}) {
        if (!limit->unlimited()) *limit = resilience::ShareOf(*limit, replicas);
      }
    }
    rate_limited_api_ = std::make_unique<resilience::RateLimitedJumioApi>(
        jumio_api_.get(), clock_, timer_.get(), rate_limiter_.get(), limits,
        &metrics_);
    below_resilience = rate_limited_api_.get();
  }
  resilient_api_ = std::make_unique<resilience::ResilientJumioApi>(
      below_resilience, clock_, timer_.get(), config_.resilience,
      resilience::DefaultRandomSource(), &metrics_);
  api::ServiceContext context;
  context.options.default_region = jumio.default_region;
  context.options.regions = RegionIds(config_);
  context.options.upstream_timeout = jumio.upstream_timeout;
  context.options.max_image_bytes = config_.uploads.max_image_bytes;
  context.options.max_pdf_bytes = config_.uploads.max_pdf_bytes;
  context.options.allow_loopback_http_callbacks =
      config_.allow_loopback_http_callbacks;
  context.jumio = resilient_api_.get();
  context.budget = budget_.get();
  context.clock = &clock_;
  context.guard = guard_.get();
  if (config_.callbacks_enabled()) {
    callbacks::CallbackOptions options = config_.callbacks;
    options.default_region = codec::RegionFromId(jumio.default_region);
    enricher_ = std::make_unique<api::JumioEnricher>(
        resilient_api_.get(), jumio.upstream_timeout, clock_);
    absl::StatusOr<std::unique_ptr<callbacks::CallbackComponent>> component =
        callbacks::CallbackComponent::Create(std::move(options), logger_,
                                             enricher_.get(), nullptr, clock_);
    if (!component.ok()) {
      return Annotate("cannot start the callback path", component.status());
    }
    callbacks_ = *std::move(component);
    callback_feed_ = std::make_unique<api::CallbackFeedService>(
        callbacks_->log(), callbacks_->hub(), &callbacks_->stats(),
        callbacks_->feed_options(), clock_);
    callback_feed_->SetGuard(guard_.get());  // caller security
    callback_urls_ =
        std::make_unique<api::IssuerCallbackUrls>(callbacks_->issuer());
    context.callback_urls = callback_urls_.get();
    api::ComponentEraser::Options erasure;
    erasure.upstream_timeout = jumio.upstream_timeout;
    eraser_ = std::make_unique<api::ComponentEraser>(
        callbacks_.get(), resilient_api_.get(), logger_, clock_, erasure);
    context.eraser = eraser_.get();
    if (config_.reconcile.enabled) {
      // Through the same JumioApi as the services: whatever decorates it
      // (retries, breakers, the retrieval rate limit) counts these checks
      // with the callers' calls.
      reconcile::ReconcileOptions options = config_.reconcile;
      options.upstream_timeout = jumio.upstream_timeout;
      callbacks::CallbackComponent* component = callbacks_.get();
      reconciler_ = std::make_unique<reconcile::Reconciler>(
          std::move(options), callbacks_->tracker(), context.jumio,
          [component](const ::jumio::gateway::v1::Callback& event) {
            return component->StoreReconciled(event);
          },
          logger_, clock_);
      context.executions = reconciler_.get();
    }
  } else {
    logger_->Warning(
        "callback receiver off: set callback_public_base_url and "
        "callback_hmac_key_files to receive Jumio callbacks");
  }
  // Request ids live in the callback store, so that every replica sharing
  // it answers a retry; without one they are this process's only.
  callbacks::RequestIdStore* request_ids = nullptr;
  if (callbacks_ != nullptr) {
    request_ids = callbacks_->request_ids();
  } else {
    memory_request_ids_ = std::make_unique<callbacks::InMemoryRequestIdStore>(
        clock_, config_.callbacks.request_id_retention);
    request_ids = memory_request_ids_.get();
  }
  api::RequestIds::Options request_id_options;
  request_id_options.keyring = storage_keys_;
  idempotency_ = std::make_unique<api::RequestIds>(request_ids, clock_,
                                                   request_id_options);
  context.idempotency = idempotency_.get();
  services_ = std::make_unique<api::Services>(context, callback_feed_.get());
  return absl::OkStatus();
}

// Secrets at rest (issue 17): the keyring that seals stored bearer
// credentials (today the kept request-id outcomes).
absl::Status Gateway::BuildStorageKeys() {
  if (absl::Status s = config::CheckStorageKeys(config_); !s.ok()) return s;
  absl::StatusOr<crypto::Keyring> keys =
      config_.storage_key_files.empty()
          ? crypto::Keyring::Random()
          : crypto::Keyring::FromFiles(config_.storage_key_files,
                                       "storage_key_files");
  if (!keys.ok()) return keys.status();
  storage_keys_ = std::make_shared<const crypto::Keyring>(*std::move(keys));
  if (config_.storage_key_files.empty()) {
    logger_->Warning(
        "no storage_key_files: stored secrets are sealed under a random key "
        "of this process, so after a restart a retry of an earlier "
        "request_id is answered REQUEST_OUTCOME_UNKNOWN (set "
        "storage_key_files outside local development)");
  } else {
    // The id names the key without revealing it.
    logger_->Info("storage keys loaded",
                  {{"keys", absl::StrCat(storage_keys_->size())},
                   {"sealing_key_id", storage_keys_->SealingKeyId()}});
  }
  return absl::OkStatus();
}

// ---- Caller security (issue 12) -------------------------------------------
absl::Status Gateway::BuildSecurity() {
  // LoadConfig refuses the same; checked again for configs built in code.
  const config::SecurityConfig& sec = config_.security;
  if (absl::Status s = security::CheckExposure(
          config_.grpc.listen, sec.tls(), !sec.policy_file.empty(),
          sec.insecure_allow_plaintext, sec.insecure_allow_all_callers);
      !s.ok()) {
    return s;
  }
  security::GuardOptions guard_options;
  guard_options.tokens_file = sec.tokens_file;
  guard_options.policy_file = sec.policy_file;
  absl::StatusOr<std::unique_ptr<security::CallGuard>> guard =
      security::CallGuard::Create(guard_options, logger_, registry_);
  if (!guard.ok())
    return Annotate("cannot load caller security", guard.status());
  guard_ = *std::move(guard);
  if (sec.tls()) {
    security::TlsOptions tls_options;
    tls_options.cert_file = sec.tls_cert_file;
    tls_options.key_file = sec.tls_key_file;
    tls_options.client_ca_file = sec.tls_client_ca_file;
    absl::StatusOr<std::unique_ptr<security::TlsReloader>> tls =
        security::TlsReloader::Create(tls_options, logger_, clock_, [this] {
          guard_->RecordReloadFailure("tls");
        });
    if (!tls.ok()) return Annotate("cannot start TLS", tls.status());
    tls_ = *std::move(tls);
  }
  if (guard_->allow_all()) {
    logger_->Warning(
        "no caller_policy_file: every caller is allowed everything (the "
        "local development default; set caller_policy_file in production)",
        {{"grpc_listen", config_.grpc.listen},
         {"tls", tls_ != nullptr ? "on" : "off"}});
  }
  return absl::OkStatus();
}
// ---- end of caller security -------------------------------------------------

void Gateway::RecordUpstream(const jumio::JumioCall& call, int http_status,
                             absl::Duration elapsed,
                             const absl::Status& transport_error) {
  metrics_.RecordUpstreamRequest(call.region, call.endpoint, call.method,
                                 http_status, elapsed);
  // One line per Jumio attempt, joined to the RPC's line by request_id. Only
  // the route template is logged, never the URL with its ids, nor any header
  // or body. Without an HTTP answer the transport's error goes in as well: it
  // names the host and port tried (scrubbed of URL paths and header values by
  // the transport), which callers never see.
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
  logger_->Info("upstream", fields);
}

absl::Status Gateway::StartGrpc() {
  grpc::ServerBuilder builder;
  {
    // The request guard first: it runs first on the status being sent, so the
    // metrics and the log line see the code the caller gets.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(api::MakeRequestGuardInterceptorFactory());
    // Caller security: before the metrics, which then see its refusals.
    interceptors.push_back(guard_->InterceptorFactory());
    interceptors.push_back(
        observability::MakeServerMetricsInterceptorFactory(metrics_, logger_));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  // Clients ping every 30 s while calls are open (client/gateway_client.h),
  // to notice a silently dropped connection; gRPC's default would answer
  // pings more often than every 5 minutes with GOAWAY too_many_pings.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 config_.grpc.max_connection_age)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config_.shutdown_grace)));
  builder.AddListeningPort(
      config_.grpc.listen,
      tls_ != nullptr ? tls_->credentials() : grpc::InsecureServerCredentials(),
      &grpc_port_);
  services_->RegisterWith(builder);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    server_.reset();
    grpc_port_ = 0;
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config_.grpc.listen));
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(api::kLivenessService, true);
  health->SetServingStatus(true);
  return absl::OkStatus();
}

void Gateway::AddReadinessChecks() {
  // Not draining, Jumio tokens obtainable in every region tried, the callback
  // store reachable. The same verdict serves /readyz and the gRPC "readiness"
  // health service.
  readiness_.AddCheck("draining", [this] {
    return draining_ ? absl::UnavailableError("shutting down")
                     : absl::OkStatus();
  });
  readiness_.AddCheck("jumio_token", [this] { return token_health_.Check(); });
  if (callbacks_ != nullptr) {
    readiness_.AddCheck("callback_store", [this] {
      absl::Status status = callbacks_->log()->HeadCursor().status();
      return status.ok() ? status
                         : absl::UnavailableError("callback store unreachable");
    });
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  readiness_.SetListener([health](bool ready) {
    health->SetServingStatus(api::kReadinessService, ready);
  });
}

void Gateway::BeforeScrape() {
  process_.Update();
  upload_metrics_.Update(budget_->snapshot());
  if (callbacks_ != nullptr) {
    callback_metrics_.Update(callbacks_->stats(), clock_.Now());
    if (reconciler_ != nullptr) reconcile_metrics_.Update(*reconciler_);
    if (eraser_ != nullptr) {
      const api::ComponentEraser::Counts erasures = eraser_->counts();
      erasure_metrics_.Update(erasures.completed, erasures.failed,
                              erasures.pending);
    }
    http_metrics_.Update(observability::kHttpServerCallbacks,
                         callbacks_->receiver_stats());
  }
  http_metrics_.Update(observability::kHttpServerAdmin, admin_->server_stats());
}

absl::Status Gateway::Start() {
  if (started_) return absl::FailedPreconditionError("already started");
  if (absl::Status s = StartGrpc(); !s.ok()) return s;
  started_ = true;
  AddReadinessChecks();
  readiness_.Start(absl::Seconds(5));

  observability::AdminServer::Options admin_options;
  admin_options.listen = config_.admin.listen;
  admin_options.readiness = [this] { return readiness_.Current(); };
  // Scrapes start only once admin_->Start() serves, after admin_ is set.
  admin_options.before_scrape = [this] { BeforeScrape(); };
  admin_ =
      std::make_unique<observability::AdminServer>(registry_, admin_options);
  absl::Status status = admin_->Start();
  if (!status.ok()) {
    status = Annotate("cannot start the admin server", status);
  } else if (!config_.admin.port_file.empty()) {
    status = core::WritePortFile(config_.admin.port_file, admin_->port());
  }
  if (status.ok() && callbacks_ != nullptr) {
    status = callbacks_->Start();
    if (!status.ok()) {
      status = Annotate("cannot start the callback receiver", status);
    }
  }
  if (status.ok() && reconciler_ != nullptr) reconciler_->Start();
  // Unfinished erasures of an earlier run (issue 17) are resumed now.
  if (status.ok() && eraser_ != nullptr) eraser_->Start();
  if (status.ok() && !config_.grpc.port_file.empty()) {
    status = core::WritePortFile(config_.grpc.port_file, grpc_port_);
  }
  if (!status.ok()) {
    Shutdown(absl::ZeroDuration());
    return status;
  }
  logger_->Info("serving", {{"grpc_port", absl::StrCat(grpc_port_)},
                            {"default_region", config_.jumio.default_region}});
  return absl::OkStatus();
}

int Gateway::admin_port() const {
  return admin_ == nullptr ? 0 : admin_->port();
}

int Gateway::callback_port() const {
  return callbacks_ == nullptr || !started_ ? 0 : callbacks_->receiver_port();
}

void Gateway::Shutdown(absl::Duration grace) {
  if (!started_ || shut_down_) return;
  shut_down_ = true;
  // Readiness first, so that load balancers stop sending new calls while the
  // rest drain.
  draining_ = true;
  readiness_.Evaluate().IgnoreError();  // NOT_SERVING now, not at the interval
  readiness_.Stop();
  // The receiver stops taking callbacks and the feed ends its streams, which
  // would otherwise hold the gRPC server for the whole grace period.
  if (reconciler_ != nullptr) reconciler_->Stop();
  if (eraser_ != nullptr) eraser_->Stop();
  if (callbacks_ != nullptr) callbacks_->Stop();
  server_->Shutdown(absl::ToChronoTime(clock_.Now() + grace));
  // No retry waits past this point: a backoff timer that fired after the
  // transport is gone would send through it. (Calls that outlive their RPC,
  // such as a create with a request id, end here without an outcome; their
  // ids stay held, as for any create whose answer was lost.)
  if (timer_ != nullptr) timer_->Stop();
  // In-flight upstream transfers end (CANCELLED) before the objects they call
  // back into.
  transport_.reset();
  if (admin_ != nullptr) admin_->Stop();
}

Gateway::~Gateway() { Shutdown(absl::ZeroDuration()); }

}  // namespace jumio_gateway
