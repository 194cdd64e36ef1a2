// A gRPC server interceptor that keeps the RED metrics of every RPC
// (grpc_server_started_total, grpc_server_handled_total,
// grpc_server_handling_seconds, grpc_server_in_flight_rpcs), gives every call a
// request id and writes one JSON log line per RPC.
//
// Request id: taken from the caller's `x-request-id` metadata when it is a
// plausible id (at most 128 characters of [A-Za-z0-9._:-], so nothing a caller
// sends can forge log structure), otherwise a fresh random one. It is put back
// into the call's client metadata, where handlers read it with RequestId() and
// forward it upstream, and returned to the caller as `x-request-id` initial
// metadata.
//
// The log line has the method, code, duration and request id; never a request
// or response body, metadata values or peer credentials.
//
//   GatewayMetrics metrics(registry, build, regions);
//   creators.push_back(MakeServerMetricsInterceptorFactory(metrics, &log));
//   builder.experimental().SetInterceptorCreators(std::move(creators));
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_GRPC_SERVER_METRICS_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_GRPC_SERVER_METRICS_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/observability/gateway_metrics.h"
#include "server/observability/logger.h"

namespace jumio_gateway::observability {

inline constexpr char kRequestIdMetadata[] = "x-request-id";

// The request id of a call that went through the interceptor ("" otherwise).
std::string RequestId(const grpc::ServerContextBase& context);

// Whether a caller-supplied id is safe to adopt.
bool IsAcceptableRequestId(absl::string_view id);

inline constexpr char kTraceparentMetadata[] = "traceparent";

// Whether `value` is a W3C Trace Context traceparent (version 00 exactly;
// later versions by their first four fields): lower-case hex, non-zero trace
// and parent ids. Only such a value goes into a log line, so a caller cannot
// write anything else there.
bool IsValidTraceparent(absl::string_view value);

class ServerMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Time since an arbitrary fixed point; must not go backwards.
  using MonotonicClock = std::function<absl::Duration()>;
  using RequestIdGenerator = std::function<std::string()>;

  // `logger` may be null (no per-RPC lines). Both must outlive every server
  // built with this factory. Empty clock / generator mean the real ones.
  ServerMetricsInterceptorFactory(GatewayMetrics& metrics, Logger* logger,
                                  MonotonicClock clock = nullptr,
                                  RequestIdGenerator make_request_id = nullptr);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // Used by the interceptors.
  GatewayMetrics& metrics() { return metrics_; }
  Logger* logger() { return logger_; }
  absl::Duration Now() const { return clock_(); }
  std::string NewRequestId();

 private:
  GatewayMetrics& metrics_;
  Logger* const logger_;
  MonotonicClock clock_;
  RequestIdGenerator make_request_id_;
  absl::Mutex mu_;
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);
};

// gRPC keeps one list of interceptor creators per server, so the caller builds
// the list with this factory in it.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(GatewayMetrics& metrics, Logger* logger);

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_GRPC_SERVER_METRICS_H_
