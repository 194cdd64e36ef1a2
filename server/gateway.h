// The composition root: builds every part of the gateway from one
// GatewayConfig, in an order that makes the reverse order a safe teardown, and
// owns what belongs to no single part: the token-health state, the metrics
// bridges, the readiness policy and the shutdown order.
//
//   auto gateway = Gateway::Create(config, &logger);  // nothing listens yet
//   (*gateway)->Start();                              // every port listens
//   ... (*gateway)->grpc_port() ...
//   (*gateway)->Shutdown(config.shutdown_grace);
//
// main() runs one per process; tests run one in-process.
#ifndef JUMIO_GATEWAY_SERVER_GATEWAY_H_
#define JUMIO_GATEWAY_SERVER_GATEWAY_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/api/buffer_budget.h"
#include "server/api/callback_feed_service.h"
#include "server/api/callback_integration.h"
#include "server/api/idempotency.h"
#include "server/api/services.h"
#include "server/callbacks/component.h"
#include "server/config/config.h"
#include "server/core/clock.h"
#include "server/core/timer.h"
#include "server/crypto/sealer.h"
#include "server/jumio/client_jumio_api.h"
#include "server/jumio/credentials.h"
#include "server/jumio/curl_transport.h"
#include "server/jumio/jumio_client.h"
#include "server/jumio/token_source.h"
#include "server/metrics_bridges.h"
#include "server/observability/admin_server.h"
#include "server/observability/gateway_metrics.h"
#include "server/observability/logger.h"
#include "server/observability/metrics.h"
#include "server/observability/process_metrics.h"
#include "server/observability/readiness.h"
#include "server/resilience/rate_limited_jumio_api.h"
#include "server/resilience/rate_limiter.h"
#include "server/resilience/resilient_jumio_api.h"
#include "server/security/guard.h"
#include "server/security/tls.h"

namespace jumio_gateway {

// The outcome of the last token request per region, for readiness: a region
// whose tokens cannot be obtained makes the replica unready.
class TokenHealth {
 public:
  void Record(const std::string& region, bool ok);
  // OK when no region's last request failed (a region never asked is fine).
  absl::Status Check() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, bool> ok_ ABSL_GUARDED_BY(mu_);
};

class Gateway {
 public:
  // Builds every part (opening the callback store) but listens on nothing.
  // `logger` must outlive the gateway. Errors are the part's own.
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(
      config::GatewayConfig config, observability::Logger* logger);
  ~Gateway();  // Shutdown(zero) when started and not yet shut down
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts the gRPC server, readiness, the admin server and the callback
  // receiver, and writes the port files. On error nothing keeps listening.
  absl::Status Start();

  // Bound ports after Start; 0 before (and for callbacks when they are off).
  int grpc_port() const { return grpc_port_; }
  int admin_port() const;
  int callback_port() const;

  // Readiness goes NOT_SERVING first, then the callback receiver and feed
  // stop, then in-flight calls get `grace`, then upstream transfers are
  // cancelled and the admin server stops. Idempotent.
  void Shutdown(absl::Duration grace);

  const config::GatewayConfig& config() const { return config_; }

 private:
  Gateway(config::GatewayConfig config, observability::Logger* logger);
  absl::Status Build();
  absl::Status BuildSecurity();
  absl::Status BuildStorageKeys();
  absl::Status StartGrpc();
  void AddReadinessChecks();
  void BeforeScrape();
  void RecordUpstream(const jumio::JumioCall& call, int http_status,
                      absl::Duration elapsed,
                      const absl::Status& transport_error);

  const config::GatewayConfig config_;
  observability::Logger* const logger_;
  const core::RealClock clock_;

  // Destruction runs in reverse declaration order, so that every part
  // outlives the parts that call into it.
  observability::Registry registry_;
  observability::GatewayMetrics metrics_;
  observability::ProcessMetrics process_;
  TokenHealth token_health_;
  std::atomic<bool> draining_{false};
  // Caller security (issue 12): outlive the gRPC server, which calls them.
  std::unique_ptr<security::CallGuard> guard_;
  std::unique_ptr<security::TlsReloader> tls_;

  std::unique_ptr<jumio::FileCredentialsProvider> credentials_;
  std::unique_ptr<jumio::TokenSource> tokens_;
  std::unique_ptr<jumio::JumioClient> client_;
  std::unique_ptr<jumio::ClientJumioApi> jumio_api_;
  std::unique_ptr<resilience::RateLimiter> rate_limiter_;
  std::unique_ptr<resilience::RateLimitedJumioApi>
      rate_limited_api_;  // or null
  std::unique_ptr<resilience::ResilientJumioApi> resilient_api_;
  // Declared after the decorators whose waits (backoff, rate-limit turns) it
  // runs, so that it stops (dropping the waits) before they go.
  std::unique_ptr<core::TimerThread> timer_;
  std::unique_ptr<api::BufferBudget> budget_;
  std::unique_ptr<api::JumioEnricher> enricher_;
  std::unique_ptr<callbacks::CallbackComponent> callbacks_;
  // Request ids without a callback store; else the component's store.
  // Seals stored secrets (storage_key_files, else a random key).
  std::shared_ptr<const crypto::Keyring> storage_keys_;
  std::unique_ptr<callbacks::RequestIdStore> memory_request_ids_;
  std::unique_ptr<api::RequestIds> idempotency_;
  // With callbacks_ only; stopped before it.
  std::unique_ptr<reconcile::Reconciler> reconciler_;
  std::unique_ptr<api::IssuerCallbackUrls> callback_urls_;
  std::unique_ptr<api::ComponentEraser> eraser_;  // uses callbacks_
  std::unique_ptr<api::CallbackFeedService> callback_feed_;
  std::unique_ptr<api::Services> services_;
  // Declared after everything its transfers call back into (the token source,
  // the client), so that it is destroyed, completing every transfer, first.
  std::unique_ptr<jumio::CurlMultiTransport> transport_;

  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  observability::Readiness readiness_;
  CallbackMetricsBridge callback_metrics_;
  ReconcileMetricsBridge reconcile_metrics_;
  ErasureMetricsBridge erasure_metrics_;
  UploadMetricsBridge upload_metrics_;
  HttpMetricsBridge http_metrics_;
  std::unique_ptr<observability::AdminServer> admin_;

  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace jumio_gateway

#endif  // JUMIO_GATEWAY_SERVER_GATEWAY_H_
