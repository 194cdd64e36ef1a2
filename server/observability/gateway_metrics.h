// The gateway's metric set (DESIGN.md section 6), created on one Registry.
//
// Label values must come from small fixed sets: regions from the config, route
// templates ("retrieval_workflow_details") rather than URLs, status codes,
// gRPC method names the server registered, and the reason constants below.
// Never an account id, a workflow id, a name or a token: every distinct value
// is a new time series kept in memory forever and shown to whoever can read
// the dashboards.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "server/observability/metrics.h"

namespace jumio_gateway::observability {

// Values of jumio_circuit_state.
enum class CircuitState { kClosed = 0, kHalfOpen = 1, kOpen = 2 };
// Values of the `host_kind` label of the per-host upstream series
// (config::HostKindName of the hosts the API calls; the auth host has no
// breaker: its token source retries on its own).
inline constexpr const char* kUpstreamHostKinds[] = {"account", "api",
                                                     "retrieval", "status"};

// Values of the `class` label of the jumio_upstream_ratelimit_* families
// (server/resilience/rate_limited_jumio_api.h OperationClassName) and of the
// `reason` label of jumio_upstream_ratelimit_refused_total: the turn came
// after the call's deadline, or the queue was full. All pre-created at zero.
inline constexpr const char* kRateLimitClasses[] = {"account_write",
                                                    "retrieval", "other"};
inline constexpr char kRateLimitRefusedDeadline[] = "deadline";
inline constexpr char kRateLimitRefusedQueueFull[] = "queue_full";

// Values of the `reason` label of jumio_callbacks_rejected_total. They are
// pre-created at zero so that alerts see a series before the first rejection.
// They are the names of server/callbacks/stats.h RejectReason (kept in step by
// tests/server/observability/gateway_metrics_test.cc).
inline constexpr char kCallbackRejectSourceNotAllowed[] = "source_not_allowed";
inline constexpr char kCallbackRejectTooLarge[] = "body_too_large";
inline constexpr char kCallbackRejectMalformed[] = "malformed_json";
inline constexpr char kCallbackRejectBadSignature[] = "bad_token";
inline constexpr char kCallbackRejectStoreFailed[] = "store_unavailable";
inline constexpr char kCallbackRejectUnstorable[] = "unstorable";

// Values of the `reason` label of jumio_gateway_uploads_refused_total
// (pre-created at zero): the bytes did not fit in the upload buffer budget, or
// every upload slot was taken.
inline constexpr char kUploadRefusedBytes[] = "buffer_full";
inline constexpr char kUploadRefusedStreams[] = "too_many_uploads";

// Values of the `server` label of the jumio_gateway_http_* families: the
// gateway's own HTTP servers (the gRPC port is not one of them).
inline constexpr char kHttpServerCallbacks[] = "callbacks";
inline constexpr char kHttpServerAdmin[] = "admin";
// Values of the `reason` label of jumio_gateway_http_connections_refused_total
// and of jumio_gateway_http_requests_cut_total (all pre-created at zero).
inline constexpr const char* kHttpRefusedReasons[] = {"total_cap",
                                                      "source_cap"};
inline constexpr const char* kHttpCutReasons[] = {
    "head_timeout",   "body_timeout",   "idle_timeout", "write_timeout",
    "head_too_large", "body_too_large", "bad_request",  "handler_queue_full"};

// Values of the `result` label of jumio_token_refreshes_total.
inline constexpr char kTokenRefreshSuccess[] = "success";
inline constexpr char kTokenRefreshFailure[] = "failure";

// gRPC method labels used when the method is not one the server registered, so
// that a caller cannot create series by inventing method names.
inline constexpr char kUnknownGrpcLabel[] = "unknown";

struct BuildInfo {
  std::string version;   // e.g. "0.1.0"
  std::string revision;  // source revision, or "unknown"
};

// "unary", "client_stream", "server_stream" or "bidi_stream", as
// go-grpc-middleware's grpc_type label.
const char* GrpcTypeName(bool client_streaming, bool server_streaming);

// The services of the jumio.gateway.v1 API from the generated descriptor pool
// (every service of every API .proto file, so a new service is covered without
// a change here).
std::vector<const google::protobuf::ServiceDescriptor*> ApiServiceDescriptors();

class GatewayMetrics;

// The series of one gRPC method (or of the "unknown" method of one call type),
// found once per call so that the call itself only updates atomics: looking a
// child up by its label values copies them into a vector of strings and walks
// an ordered map under a lock, several times per call.
class GrpcMethodSeries {
 public:
  // gRPC's status codes are 0 to 16.
  static constexpr int kCodes = 17;

  GrpcMethodSeries(GatewayMetrics& metrics, std::string grpc_type,
                   std::string service, std::string method);
  GrpcMethodSeries(const GrpcMethodSeries&) = delete;
  GrpcMethodSeries& operator=(const GrpcMethodSeries&) = delete;

  const std::string& grpc_type() const { return grpc_type_; }
  const std::string& service() const { return service_; }
  const std::string& method() const { return method_; }
  Counter& started() const { return started_; }
  Gauge& in_flight() const { return in_flight_; }
  Histogram& handling() const { return handling_; }
  // The handled counter of `code` (0 to 16; anything else counts as 2,
  // UNKNOWN), created at its first use under `code_name`, so that only the
  // codes a method returned have series.
  Counter& Handled(int code, const char* code_name);

 private:
  Family<Counter>& handled_family_;
  const std::string grpc_type_;
  const std::string service_;
  const std::string method_;
  Counter& started_;
  Gauge& in_flight_;
  Histogram& handling_;
  std::array<std::atomic<Counter*>, kCodes> handled_{};
};

class GatewayMetrics {
 public:
  // `regions` are the Jumio regions the gateway knows; their per-region
  // series are pre-created at zero.
  GatewayMetrics(Registry& registry, const BuildInfo& build,
                 const std::vector<std::string>& regions);
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // Pre-creates the gRPC series at zero (code OK) for every method of these
  // services and records the methods as known. The constructor already does
  // this for grpc.health.v1.Health and server reflection.
  void AddGrpcServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);
  void AddGrpcMethod(const std::string& service, const std::string& method,
                     const std::string& grpc_type);
  // Whether "/pkg.Service/Method" was added by AddGrpcServices/AddGrpcMethod.
  bool IsKnownGrpcMethod(const std::string& full_method) const;
  // The series of "/pkg.Service/Method" if it is known; otherwise those of
  // service and method "unknown" with `grpc_type`, so that callers cannot
  // create series at will. Valid as long as this object.
  GrpcMethodSeries& GrpcMethod(absl::string_view full_method,
                               absl::string_view grpc_type);

  // Conveniences for the upstream client; `endpoint` is a route template.
  void RecordUpstreamRequest(const std::string& region,
                             const std::string& endpoint,
                             const std::string& http_method, int status_code,
                             absl::Duration duration);
  void RecordTokenRefresh(const std::string& region, bool success);
  void SetCircuitState(const std::string& region, const std::string& host_kind,
                       CircuitState state);

  Registry& registry() { return registry_; }

 private:
  Registry& registry_;
  mutable absl::Mutex mu_;
  // By full method name (the known methods), and the unknown ones by
  // grpc_type.
  absl::flat_hash_map<std::string, std::unique_ptr<GrpcMethodSeries>>
      grpc_methods_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<GrpcMethodSeries>>
      unknown_grpc_methods_ ABSL_GUARDED_BY(mu_);

 public:
  // gRPC server (go-grpc-middleware names and labels).
  Family<Counter>& grpc_server_started;  // grpc_type,grpc_service,grpc_method
  Family<Counter>& grpc_server_handled;  // ... plus grpc_code
  Family<Histogram>& grpc_server_handling_seconds;  // grpc_type,service,method
  Family<Gauge>& grpc_server_in_flight;             // grpc_service,grpc_method

  // Upstream Jumio calls.
  Family<Counter>& upstream_requests;  // region,endpoint,method,status_code
  Family<Histogram>& upstream_request_duration;  // region,endpoint
  Family<Counter>& upstream_retries;             // region,endpoint
  Family<Counter>& token_refreshes;              // region,result
  // server/resilience: attempts per call (first ones and retries), retries
  // refused by the region's budget, calls shed, breaker state.
  Family<Counter>& upstream_attempts;                // region,endpoint
  Family<Counter>& upstream_retry_budget_exhausted;  // region
  Family<Counter>& upstream_shed;                    // region,host_kind
  Family<Gauge>& circuit_state;                      // region,host_kind
  // server/resilience rate limiting: calls that waited for their turn, the
  // wait of every call let through (0 when its turn had come), calls refused
  // (deadline or queue full) and turns decided by the per-replica share
  // because Redis was unreachable.
  Family<Counter>& ratelimit_waits;           // region,class
  Family<Histogram>& ratelimit_wait_seconds;  // region,class
  Family<Counter>& ratelimit_refused;         // region,class,reason
  Family<Counter>& ratelimit_redis_fallback;  // region,class

  // Callbacks.
  Family<Counter>& callbacks_received;
  Family<Counter>& callbacks_rejected;  // reason
  Family<Counter>& callbacks_stored;
  Family<Counter>& callbacks_delivered;
  Family<Counter>& callbacks_unreadable;
  Family<Gauge>& callback_subscribers;
  Family<Gauge>& callback_log_backlog;

  // The reconciler of lost callbacks (server/reconcile).
  Family<Gauge>& reconcile_tracked;   // executions awaiting a terminal status
  Family<Gauge>& reconcile_overdue;   // of those, past the whole schedule
  Family<Counter>& reconciled;        // status
  Family<Counter>& reconcile_checks;  // outcome: ok|failed

  // Part uploads and downloads (server/api/buffer_budget.h).
  Family<Gauge>& upload_buffer_bytes;  // bytes leased now
  Family<Gauge>& uploads_in_flight;
  Family<Counter>& uploads_refused;  // reason

  // The gateway's HTTP servers (callback receiver, admin port).
  Family<Gauge>& http_connections_open;       // server
  Family<Counter>& http_connections_refused;  // server,reason
  Family<Counter>& http_requests_cut;         // server,reason

  Family<Gauge>& build_info;  // version,revision,grpc_version; value 1

  // Erasure on delete (issue 17; api::ComponentEraser).
  Family<Counter>& erasures;        // outcome: completed|failed
  Family<Gauge>& erasures_pending;  // unfinished intents at the last pass

  // Retention (issue 17): kind is callbacks|bindings|request_ids|executions;
  // a kind the store expires by itself (Redis TTLs) has no age series.
  Family<Gauge>& store_oldest_record_age;    // kind
  Family<Gauge>& store_retention;            // kind; the window in seconds
  Family<Counter>& store_retention_deleted;  // kind
};

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_GATEWAY_METRICS_H_
