#include "server/observability/gateway_metrics.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "jumio/gateway/v1/credential.pb.h"
#include "jumio/gateway/v1/platform.pb.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"

namespace jumio_gateway::observability {
namespace {

// Upstream latencies include Jumio's own processing (uploads of several MB,
// retrieval of large documents), so the buckets reach further than the gRPC
// defaults.
BucketBoundaries UpstreamBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

}  // namespace

const char* GrpcTypeName(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) return "bidi_stream";
  if (client_streaming) return "client_stream";
  if (server_streaming) return "server_stream";
  return "unary";
}

std::vector<const google::protobuf::ServiceDescriptor*>
ApiServiceDescriptors() {
  // One message per API file: referencing it links the file's generated code,
  // whose static initialiser adds the file to the generated pool, and gives the
  // file descriptor whose services we walk.
  const google::protobuf::FileDescriptor* files[] = {
      jumio::gateway::v1::CreateAccountRequest::descriptor()->file(),
      jumio::gateway::v1::WatchCallbacksRequest::descriptor()->file(),
      jumio::gateway::v1::UploadCredentialPartRequest::descriptor()->file(),
      jumio::gateway::v1::GetPlatformStatusRequest::descriptor()->file(),
      jumio::gateway::v1::FinalizeWorkflowExecutionRequest::descriptor()
          ->file(),
  };
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

GatewayMetrics::GatewayMetrics(Registry& registry, const BuildInfo& build,
                               const std::vector<std::string>& regions)
    : registry_(registry),
      grpc_server_started(
          BuildCounter()
              .Name("grpc_server_started_total")
              .Help("Total number of RPCs started on the server.")
              .LabelNames({"grpc_type", "grpc_service", "grpc_method"})
              .Register(registry)),
      grpc_server_handled(
          BuildCounter()
              .Name("grpc_server_handled_total")
              .Help("Total number of RPCs completed on the server, regardless "
                    "of success or failure.")
              .LabelNames(
                  {"grpc_type", "grpc_service", "grpc_method", "grpc_code"})
              .Register(registry)),
      grpc_server_handling_seconds(
          BuildHistogram()
              .Name("grpc_server_handling_seconds")
              .Help("Histogram of response latency (seconds) of gRPC that had "
                    "been application-level handled by the server.")
              .LabelNames({"grpc_type", "grpc_service", "grpc_method"})
              .Buckets(DefaultLatencyBuckets())
              .Register(registry)),
      grpc_server_in_flight(
          BuildGauge()
              .Name("grpc_server_in_flight_rpcs")
              .Help("RPCs started and not yet completed on the server.")
              .LabelNames({"grpc_service", "grpc_method"})
              .Register(registry)),
      upstream_requests(
          BuildCounter()
              .Name("jumio_upstream_requests_total")
              .Help("HTTP requests sent to Jumio, by region, route template, "
                    "HTTP method and response status (0: no response).")
              .LabelNames({"region", "endpoint", "method", "status_code"})
              .Register(registry)),
      upstream_request_duration(
          BuildHistogram()
              .Name("jumio_upstream_request_duration_seconds")
              .Help("Duration of HTTP requests to Jumio, by region and route "
                    "template.")
              .LabelNames({"region", "endpoint"})
              .Buckets(UpstreamBuckets())
              .Register(registry)),
      upstream_retries(
          BuildCounter()
              .Name("jumio_upstream_retries_total")
              .Help("Requests to Jumio sent again after a retryable failure.")
              .LabelNames({"region", "endpoint"})
              .Register(registry)),
      token_refreshes(BuildCounter()
                          .Name("jumio_token_refreshes_total")
                          .Help("OAuth2 access token requests, by region and "
                                "result (success or failure).")
                          .LabelNames({"region", "result"})
                          .Register(registry)),
      upstream_attempts(
          BuildCounter()
              .Name("jumio_upstream_attempts_total")
              .Help("Attempts of the gateway's calls to Jumio, the first one "
                    "and every retry, by region and route template.")
              .LabelNames({"region", "endpoint"})
              .Register(registry)),
      upstream_retry_budget_exhausted(
          BuildCounter()
              .Name("jumio_upstream_retry_budget_exhausted_total")
              .Help("Retryable failures not retried because the region's "
                    "retry budget was spent.")
              .LabelNames({"region"})
              .Register(registry)),
      upstream_shed(
          BuildCounter()
              .Name("jumio_upstream_shed_total")
              .Help("Calls to Jumio refused at once because as many were "
                    "already in flight to the region's host as allowed.")
              .LabelNames({"region", "host_kind"})
              .Register(registry)),
      circuit_state(BuildGauge()
                        .Name("jumio_circuit_state")
                        .Help("Circuit breaker state per region and Jumio "
                              "host kind: 0 closed, 1 half-open, 2 open.")
                        .LabelNames({"region", "host_kind"})
                        .Register(registry)),
      ratelimit_waits(
          BuildCounter()
              .Name("jumio_upstream_ratelimit_waits_total")
              .Help("Calls to Jumio that waited for their turn under Jumio's "
                    "rate limit, by region and operation class.")
              .LabelNames({"region", "class"})
              .Register(registry)),
      ratelimit_wait_seconds(
          BuildHistogram()
              .Name("jumio_upstream_ratelimit_wait_seconds")
              .Help("Time calls to Jumio waited for their turn under Jumio's "
                    "rate limit (0 when it had come), by region and "
                    "operation class.")
              .LabelNames({"region", "class"})
              .Buckets({0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                        60, 120})
              .Register(registry)),
      ratelimit_refused(
          BuildCounter()
              .Name("jumio_upstream_ratelimit_refused_total")
              .Help("Calls to Jumio refused before sending because their "
                    "turn under Jumio's rate limit came after their deadline "
                    "or too many were waiting, by region, operation class "
                    "and reason.")
              .LabelNames({"region", "class", "reason"})
              .Register(registry)),
      ratelimit_redis_fallback(
          BuildCounter()
              .Name("jumio_upstream_ratelimit_redis_fallback_total")
              .Help("Turns under Jumio's rate limit decided by this "
                    "replica's share because Redis was unreachable, by "
                    "region and operation class.")
              .LabelNames({"region", "class"})
              .Register(registry)),
      callbacks_received(BuildCounter()
                             .Name("jumio_callbacks_received_total")
                             .Help("Callback POSTs received from Jumio.")
                             .Register(registry)),
      callbacks_rejected(BuildCounter()
                             .Name("jumio_callbacks_rejected_total")
                             .Help("Callbacks refused, by reason.")
                             .LabelNames({"reason"})
                             .Register(registry)),
      callbacks_stored(BuildCounter()
                           .Name("jumio_callbacks_stored_total")
                           .Help("Callbacks written durably to the log.")
                           .Register(registry)),
      callbacks_delivered(BuildCounter()
                              .Name("jumio_callbacks_delivered_total")
                              .Help("Callback events sent to subscribers.")
                              .Register(registry)),
      callbacks_unreadable(
          BuildCounter()
              .Name("jumio_callbacks_unreadable_total")
              .Help("Stored callbacks a read found it cannot decode (counted "
                    "at each List or Watch that meets one); listed in "
                    "ListCallbacks as unreadable_callbacks.")
              .Register(registry)),
      callback_subscribers(BuildGauge()
                               .Name("jumio_callback_subscribers")
                               .Help("Open WatchCallbacks streams.")
                               .Register(registry)),
      callback_log_backlog(
          BuildGauge()
              .Name("jumio_callback_log_backlog")
              .Help("Callbacks stored but not yet acknowledged by a "
                    "subscriber.")
              .Register(registry)),
      reconcile_tracked(
          BuildGauge()
              .Name("jumio_reconcile_tracked_executions")
              .Help("Workflow executions started through the gateway whose "
                    "terminal status is not stored yet (whole store).")
              .Register(registry)),
      reconcile_overdue(
          BuildGauge()
              .Name("jumio_reconcile_overdue_executions")
              .Help("Tracked workflow executions finalized longer ago than "
                    "the last reconcile_schedule delay, still unfinished.")
              .Register(registry)),
      reconciled(BuildCounter()
                     .Name("jumio_callbacks_reconciled_total")
                     .Help("Terminal statuses the reconciler found and stored "
                           "because no callback had brought them, by status.")
                     .LabelNames({"status"})
                     .Register(registry)),
      reconcile_checks(BuildCounter()
                           .Name("jumio_reconcile_status_checks_total")
                           .Help("Status checks of tracked workflow "
                                 "executions, by outcome (ok, failed).")
                           .LabelNames({"outcome"})
                           .Register(registry)),
      upload_buffer_bytes(
          BuildGauge()
              .Name("jumio_gateway_upload_buffer_bytes")
              .Help("Bytes of part data that uploads and downloads hold in "
                    "memory now (leases of upload_buffer_budget_bytes).")
              .Register(registry)),
      uploads_in_flight(BuildGauge()
                            .Name("jumio_gateway_uploads_in_flight")
                            .Help("UploadCredentialPart streams open now.")
                            .Register(registry)),
      uploads_refused(
          BuildCounter()
              .Name("jumio_gateway_uploads_refused_total")
              .Help("Uploads and downloads refused with RESOURCE_EXHAUSTED "
                    "by the upload buffer budget, by reason.")
              .LabelNames({"reason"})
              .Register(registry)),
      http_connections_open(
          BuildGauge()
              .Name("jumio_gateway_http_connections_open")
              .Help("Connections open now on the gateway's HTTP servers.")
              .LabelNames({"server"})
              .Register(registry)),
      http_connections_refused(
          BuildCounter()
              .Name("jumio_gateway_http_connections_refused_total")
              .Help("Connections closed at accept because a connection cap "
                    "(in total or per source address) was reached.")
              .LabelNames({"server", "reason"})
              .Register(registry)),
      http_requests_cut(
          BuildCounter()
              .Name("jumio_gateway_http_requests_cut_total")
              .Help("Connections the HTTP servers cut, by reason: a deadline "
                    "(head, body, idle, write), a size limit, a malformed "
                    "request or a full handler queue.")
              .LabelNames({"server", "reason"})
              .Register(registry)),
      build_info(BuildGauge()
                     .Name("jumio_gateway_build_info")
                     .Help("Build of the running gateway; always 1.")
                     .LabelNames({"version", "revision", "grpc_version"})
                     .Register(registry)),
      erasures(BuildCounter()
                   .Name("jumio_gateway_erasures_total")
                   .Help("Erasures of the gateway's own records after a "
                         "delete Jumio confirmed, by outcome (completed; "
                         "failed: each failed attempt, resumed later).")
                   .LabelNames({"outcome"})
                   .Register(registry)),
      erasures_pending(
          BuildGauge()
              .Name("jumio_gateway_erasures_pending")
              .Help("Erasures begun and not complete, as the last resume "
                    "pass found them (whole store).")
              .Register(registry)),
      store_oldest_record_age(
          BuildGauge()
              .Name("jumio_gateway_store_oldest_record_age_seconds")
              .Help("Age of the oldest stored record of each kind at scrape, "
                    "from the last retention pass (0 when none is stored). "
                    "Above jumio_gateway_store_retention_seconds by more than "
                    "the retention interval means the sweep is behind.")
              .LabelNames({"kind"})
              .Register(registry)),
      store_retention(BuildGauge()
                          .Name("jumio_gateway_store_retention_seconds")
                          .Help("How long each kind of stored record is kept.")
                          .LabelNames({"kind"})
                          .Register(registry)),
      store_retention_deleted(
          BuildCounter()
              .Name("jumio_gateway_store_retention_deleted_total")
              .Help("Records the retention sweep deleted, by kind.")
              .LabelNames({"kind"})
              .Register(registry)) {
  erasures.WithLabelValues({"completed"});
  erasures.WithLabelValues({"failed"});
  erasures_pending.WithLabelValues({}).Set(0);
  // Every kind's deleted count from the start, so that rates read 0 (and
  // the dashboard has a series) before the first sweep or without a store.
  for (const char* kind :
       {"callbacks", "bindings", "request_ids", "executions"}) {
    store_retention_deleted.WithLabelValues({kind});
  }
  build_info
      .WithLabelValues({build.version.empty() ? "unknown" : build.version,
                        build.revision.empty() ? "unknown" : build.revision,
                        grpc::Version()})
      .Set(1);
  for (const char* server : {kHttpServerCallbacks, kHttpServerAdmin}) {
    http_connections_open.WithLabelValues({server}).Set(0);
    for (const char* reason : kHttpRefusedReasons) {
      http_connections_refused.WithLabelValues({server, reason});
    }
    for (const char* reason : kHttpCutReasons) {
      http_requests_cut.WithLabelValues({server, reason});
    }
  }
  upload_buffer_bytes.WithLabelValues({}).Set(0);
  uploads_in_flight.WithLabelValues({}).Set(0);
  uploads_refused.WithLabelValues({kUploadRefusedBytes});
  uploads_refused.WithLabelValues({kUploadRefusedStreams});
  for (const std::string& region : regions) {
    token_refreshes.WithLabelValues({region, kTokenRefreshSuccess});
    token_refreshes.WithLabelValues({region, kTokenRefreshFailure});
    upstream_retry_budget_exhausted.WithLabelValues({region});
    for (const char* host : kUpstreamHostKinds) {
      circuit_state.WithLabelValues({region, host}).Set(0);
      upstream_shed.WithLabelValues({region, host});
    }
    for (const char* op : kRateLimitClasses) {
      ratelimit_waits.WithLabelValues({region, op});
      ratelimit_wait_seconds.WithLabelValues({region, op});
      ratelimit_redis_fallback.WithLabelValues({region, op});
      ratelimit_refused.WithLabelValues(
          {region, op, kRateLimitRefusedDeadline});
      ratelimit_refused.WithLabelValues(
          {region, op, kRateLimitRefusedQueueFull});
    }
  }
  for (const char* reason :
       {kCallbackRejectSourceNotAllowed, kCallbackRejectTooLarge,
        kCallbackRejectMalformed, kCallbackRejectBadSignature,
        kCallbackRejectStoreFailed, kCallbackRejectUnstorable}) {
    callbacks_rejected.WithLabelValues({reason});
  }
  // Served by every gateway next to the API (main enables both), so their
  // calls are labelled by name too.
  AddGrpcMethod("grpc.health.v1.Health", "Check", "unary");
  AddGrpcMethod("grpc.health.v1.Health", "Watch", "server_stream");
  AddGrpcMethod("grpc.reflection.v1alpha.ServerReflection",
                "ServerReflectionInfo", "bidi_stream");
}

void GatewayMetrics::AddGrpcServices(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      AddGrpcMethod(
          service->full_name(), method->name(),
          GrpcTypeName(method->client_streaming(), method->server_streaming()));
    }
  }
}

GrpcMethodSeries::GrpcMethodSeries(GatewayMetrics& metrics,
                                   std::string grpc_type, std::string service,
                                   std::string method)
    : handled_family_(metrics.grpc_server_handled),
      grpc_type_(std::move(grpc_type)),
      service_(std::move(service)),
      method_(std::move(method)),
      started_(metrics.grpc_server_started.WithLabelValues(
          {grpc_type_, service_, method_})),
      in_flight_(
          metrics.grpc_server_in_flight.WithLabelValues({service_, method_})),
      handling_(metrics.grpc_server_handling_seconds.WithLabelValues(
          {grpc_type_, service_, method_})) {}

Counter& GrpcMethodSeries::Handled(int code, const char* code_name) {
  if (code < 0 || code >= kCodes) code = 2;
  std::atomic<Counter*>& slot = handled_[code];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two first calls may both look it up: the family returns the same child.
    counter = &handled_family_.WithLabelValues(
        {grpc_type_, service_, method_, code_name});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void GatewayMetrics::AddGrpcMethod(const std::string& service,
                                   const std::string& method,
                                   const std::string& grpc_type) {
  auto series =
      std::make_unique<GrpcMethodSeries>(*this, grpc_type, service, method);
  series->Handled(0, "OK");
  const std::string full_method = absl::StrCat("/", service, "/", method);
  absl::MutexLock lock(&mu_);
  grpc_methods_.try_emplace(full_method, std::move(series));
}

bool GatewayMetrics::IsKnownGrpcMethod(const std::string& full_method) const {
  absl::ReaderMutexLock lock(&mu_);
  return grpc_methods_.contains(full_method);
}

GrpcMethodSeries& GatewayMetrics::GrpcMethod(absl::string_view full_method,
                                             absl::string_view grpc_type) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = grpc_methods_.find(full_method); it != grpc_methods_.end()) {
      return *it->second;
    }
    if (auto it = unknown_grpc_methods_.find(grpc_type);
        it != unknown_grpc_methods_.end()) {
      return *it->second;
    }
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<GrpcMethodSeries>& series =
      unknown_grpc_methods_[std::string(grpc_type)];
  if (series == nullptr) {
    series = std::make_unique<GrpcMethodSeries>(
        *this, std::string(grpc_type), kUnknownGrpcLabel, kUnknownGrpcLabel);
  }
  return *series;
}

void GatewayMetrics::RecordUpstreamRequest(const std::string& region,
                                           const std::string& endpoint,
                                           const std::string& http_method,
                                           int status_code,
                                           absl::Duration duration) {
  upstream_requests
      .WithLabelValues(
          {region, endpoint, http_method, absl::StrCat(status_code)})
      .Increment();
  upstream_request_duration.WithLabelValues({region, endpoint})
      .Observe(absl::ToDoubleSeconds(duration));
}

void GatewayMetrics::RecordTokenRefresh(const std::string& region,
                                        bool success) {
  token_refreshes
      .WithLabelValues(
          {region, success ? kTokenRefreshSuccess : kTokenRefreshFailure})
      .Increment();
}

void GatewayMetrics::SetCircuitState(const std::string& region,
                                     const std::string& host_kind,
                                     CircuitState state) {
  circuit_state.WithLabelValues({region, host_kind})
      .Set(static_cast<double>(state));
}

}  // namespace jumio_gateway::observability
