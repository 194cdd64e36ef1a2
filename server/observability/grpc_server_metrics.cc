#include "server/observability/grpc_server_metrics.h"

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace jumio_gateway::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr size_t kMaxRequestIdLength = 128;

// go-grpc-middleware's spelling of the codes (Go's codes.Code.String()), so
// that the community dashboards and alerts for grpc_server_* work unchanged.
const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

// Codes that point at the server or its upstream rather than the caller.
bool IsServerSideFailure(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

const char* GrpcTypeOf(grpc::experimental::ServerRpcInfo::Type type) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  switch (type) {
    case Type::UNARY:
      return GrpcTypeName(false, false);
    case Type::CLIENT_STREAMING:
      return GrpcTypeName(true, false);
    case Type::SERVER_STREAMING:
      return GrpcTypeName(false, true);
    case Type::BIDI_STREAMING:
      return GrpcTypeName(true, true);
  }
  return GrpcTypeName(false, false);
}

absl::Duration SteadyNow() {
  return absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

// One per call, created by gRPC when the call starts and destroyed when it
// ends.
class ServerMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  ServerMetricsInterceptor(ServerMetricsInterceptorFactory& factory,
                           grpc::experimental::ServerRpcInfo* info)
      : factory_(factory),
        start_(factory.Now()),
        // Anything the server did not register is labelled "unknown", so that
        // callers cannot create series at will.
        series_(factory.metrics().GrpcMethod(
            info->method() ? absl::string_view(info->method())
                           : absl::string_view(),
            GrpcTypeOf(info->type()))) {
    series_.started().Increment();
    series_.in_flight().Increment();
  }

  ~ServerMetricsInterceptor() override {
    // A call that ended without the server sending a status was cancelled by
    // the caller or the transport.
    if (!finished_) Finish(grpc::StatusCode::CANCELLED);
    series_.in_flight().Decrement();
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      AdoptRequestId(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        !request_id_.empty()) {
      // A call that fails before sending anything must stay a trailers-only
      // response: once a client has seen headers it never retries the call
      // (gRFC A6), so the published retry policy (client/service_config.json)
      // would never apply. Its request id goes into the trailers instead.
      const bool failing_now = methods->QueryInterceptionHookPoint(
                                   InterceptionHookPoints::PRE_SEND_STATUS) &&
                               !methods->GetSendStatus().ok();
      std::multimap<std::string, std::string>* metadata =
          failing_now ? methods->GetSendTrailingMetadata()
                      : methods->GetSendInitialMetadata();
      if (metadata != nullptr)
        metadata->emplace(kRequestIdMetadata, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        !finished_) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void AdoptRequestId(
      std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    if (metadata == nullptr) return;
    if (auto trace = metadata->find(kTraceparentMetadata);
        trace != metadata->end()) {
      const absl::string_view value(trace->second.data(), trace->second.size());
      if (IsValidTraceparent(value)) traceparent_ = std::string(value);
    }
    auto range = metadata->equal_range(kRequestIdMetadata);
    if (range.first != range.second) {
      const grpc::string_ref& value = range.first->second;
      absl::string_view candidate(value.data(), value.size());
      if (IsAcceptableRequestId(candidate)) {
        request_id_ = std::string(candidate);
        return;
      }
    }
    request_id_ = factory_.NewRequestId();
    // Handlers read the id from the client metadata; the map holds
    // references, and request_id_ lives (unchanged) as long as the call.
    metadata->erase(range.first, range.second);
    metadata->emplace(grpc::string_ref(kRequestIdMetadata),
                      grpc::string_ref(request_id_));
  }

  void Finish(grpc::StatusCode code) {
    finished_ = true;
    const absl::Duration elapsed = factory_.Now() - start_;
    const char* code_name = GrpcCodeName(code);
    series_.Handled(static_cast<int>(code), code_name).Increment();
    series_.handling().Observe(absl::ToDoubleSeconds(elapsed));
    if (Logger* logger = factory_.logger()) {
      logger->Log(
          IsServerSideFailure(code) ? Severity::kWarning : Severity::kInfo,
          "rpc",
          {{"grpc_service", series_.service()},
           {"grpc_method", series_.method()},
           {"grpc_type", series_.grpc_type()},
           {"grpc_code", code_name},
           {"duration_ms",
            absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(elapsed))},
           {"request_id", request_id_},
           {"traceparent", traceparent_}});
    }
  }

  ServerMetricsInterceptorFactory& factory_;
  const absl::Duration start_;
  GrpcMethodSeries& series_;
  std::string request_id_;
  std::string traceparent_;  // the caller's, when valid; else empty
  bool finished_ = false;
};

std::string RandomRequestId(absl::BitGen& bitgen) {
  return absl::StrFormat("%016x%016x", absl::Uniform<std::uint64_t>(bitgen),
                         absl::Uniform<std::uint64_t>(bitgen));
}

}  // namespace

bool IsAcceptableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool IsValidTraceparent(absl::string_view value) {
  // version "-" trace-id "-" parent-id "-" flags: 2, 32, 16 and 2 hex digits.
  constexpr size_t kLengths[] = {2, 32, 16, 2};
  if (value.size() < 55) return false;
  std::vector<absl::string_view> fields = absl::StrSplit(value, '-');
  if (fields.size() < 4) return false;
  const absl::string_view version = fields[0];
  // Version 00 has exactly four fields; a later version may append more
  // (W3C: parse the first four), ff is invalid.
  if (version == "ff" || (version == "00" && fields.size() != 4)) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (fields[i].size() != kLengths[i]) return false;
    for (char c : fields[i]) {
      if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
    }
  }
  if (value.size() > 55) {
    // Only printable, separator-led extensions of a later version.
    if (version == "00" || value[55] != '-' || value.size() > 256) return false;
    for (char c : value.substr(56)) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_') {
        return false;
      }
    }
  }
  return fields[1] != std::string(32, '0') && fields[2] != std::string(16, '0');
}

std::string RequestId(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kRequestIdMetadata);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

ServerMetricsInterceptorFactory::ServerMetricsInterceptorFactory(
    GatewayMetrics& metrics, Logger* logger, MonotonicClock clock,
    RequestIdGenerator make_request_id)
    : metrics_(metrics),
      logger_(logger),
      clock_(clock ? std::move(clock) : MonotonicClock(SteadyNow)),
      make_request_id_(std::move(make_request_id)) {}

grpc::experimental::Interceptor*
ServerMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ServerMetricsInterceptor(*this, info);
}

std::string ServerMetricsInterceptorFactory::NewRequestId() {
  if (make_request_id_) return make_request_id_();
  absl::MutexLock lock(&mu_);
  return RandomRequestId(bitgen_);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(GatewayMetrics& metrics, Logger* logger) {
  return std::make_unique<ServerMetricsInterceptorFactory>(metrics, logger);
}

}  // namespace jumio_gateway::observability
