#include "server/security/guard.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"

namespace jumio_gateway::security {
namespace {

using grpc::experimental::InterceptionHookPoints;
namespace v1 = ::jumio::gateway::v1;

constexpr char kUnauthenticatedLabel[] = "unauthenticated";
constexpr char kUnknownLabel[] = "unknown";
constexpr char kRequestIdMetadata[] = "x-request-id";

absl::Status Unauthenticated(absl::string_view why) {
  return errors::Error(absl::StatusCode::kUnauthenticated,
                       v1::ERROR_REASON_CALLER_UNAUTHENTICATED, why);
}

absl::Status Denied(absl::string_view why) {
  return errors::Error(absl::StatusCode::kPermissionDenied,
                       v1::ERROR_REASON_CALLER_PERMISSION_DENIED, why);
}

std::string First(const grpc::AuthContext& auth, const char* property) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(property);
  if (values.empty()) return "";
  return std::string(values[0].data(), values[0].size());
}

// The gRPC-own services the server registers, which call no Admit: the
// interceptor decides for them when the call starts.
bool DecidedByInterceptor(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.");
}

}  // namespace

std::optional<std::string> CertificateIdentity(const grpc::AuthContext& auth) {
  if (!auth.IsPeerAuthenticated()) return std::nullopt;
  if (std::string spiffe = First(auth, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
      !spiffe.empty()) {
    return spiffe;
  }
  for (const grpc::string_ref& san :
       auth.FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
    absl::string_view value(san.data(), san.size());
    if (absl::StartsWith(value, "spiffe://")) return std::string(value);
  }
  std::string cn = First(auth, GRPC_X509_CN_PROPERTY_NAME);
  if (cn.empty()) return std::nullopt;
  return cn;
}

bool IsLoopbackPeer(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    return absl::StartsWith(peer, "127.");
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    return absl::StartsWith(peer, "[::1]:") ||
           absl::StartsWith(peer, "[::ffff:127.");
  }
  return absl::StartsWith(peer, "unix:");
}

bool IsLoopbackListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  absl::string_view host =
      colon == absl::string_view::npos ? listen : listen.substr(0, colon);
  return host == "localhost" || absl::StartsWith(host, "127.") ||
         host == "[::1]";
}

absl::Status CheckExposure(absl::string_view listen, bool tls, bool policy,
                           bool allow_plaintext, bool allow_all_callers) {
  if (IsLoopbackListen(listen)) return absl::OkStatus();
  if (!tls && !allow_plaintext) {
    return absl::FailedPreconditionError(absl::StrCat(
        "grpc_listen ", listen,
        " is not loopback: set grpc_tls_cert_file and grpc_tls_key_file, or "
        "insecure_allow_plaintext=true"));
  }
  if (!policy && !allow_all_callers) {
    return absl::FailedPreconditionError(
        absl::StrCat("grpc_listen ", listen,
                     " is not loopback: set caller_policy_file, or "
                     "insecure_allow_all_callers=true"));
  }
  return absl::OkStatus();
}

class CallGuard::Interceptor : public grpc::experimental::Interceptor {
 public:
  Interceptor(CallGuard& guard, grpc::experimental::ServerRpcInfo* info)
      : guard_(guard),
        context_(*info->server_context()),
        method_(info->method() ? info->method() : "") {}
  ~Interceptor() override { guard_.Forget(&context_); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      guard_.Begin(&context_, method_, context_,
                   methods->GetRecvInitialMetadata());
      if (DecidedByInterceptor(method_) &&
          !guard_.Admit(context_, {}, "").ok()) {
        // Reflection streams answer before any status could say so.
        const_cast<grpc::ServerContextBase&>(context_).TryCancel();
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (std::optional<grpc::Status> replaced =
              guard_.End(&context_, methods->GetSendStatus(), context_)) {
        methods->ModifySendStatus(*replaced);
      }
    }
    methods->Proceed();
  }

 private:
  CallGuard& guard_;
  const grpc::ServerContextBase& context_;
  const std::string method_;
};

class CallGuard::Factory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(CallGuard& guard) : guard_(guard) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Interceptor(guard_, info);
  }

 private:
  CallGuard& guard_;
};

CallGuard::CallGuard(GuardOptions options, observability::Logger* logger,
                     observability::Registry& registry)
    : options_(std::move(options)),
      logger_(logger),
      requests_(observability::BuildCounter()
                    .Name("jumio_gateway_caller_requests_total")
                    .Help("gRPC calls by caller (a name from the caller "
                          "policy or tokens file; \"unknown\" for any other "
                          "identity, \"unauthenticated\" without one) and "
                          "outcome.")
                    .LabelNames(
                        {"caller", "grpc_service", "grpc_method", "grpc_code"})
                    .Register(registry)),
      reload_failures_(
          observability::BuildCounter()
              .Name("jumio_gateway_security_reload_failures_total")
              .Help("Changed security files (tls, tokens, policy) that could "
                    "not be used; the last good version stays in force.")
              .LabelNames({"file"})
              .Register(registry)) {
  for (const char* file : {"tls", "tokens", "policy"}) {
    reload_failures_.WithLabelValues({file});
  }
}

CallGuard::~CallGuard() = default;

absl::StatusOr<std::unique_ptr<CallGuard>> CallGuard::Create(
    GuardOptions options, observability::Logger* logger,
    observability::Registry& registry) {
  std::unique_ptr<CallGuard> guard(
      new CallGuard(std::move(options), logger, registry));
  absl::MutexLock lock(&guard->mu_);
  if (!guard->options_.tokens_file.empty()) {
    guard->tokens_file_.emplace(guard->options_.tokens_file);
  }
  if (guard->options_.policy_file.empty()) {
    guard->policy_ = Policy::AllowAll();
  } else {
    guard->policy_file_.emplace(guard->options_.policy_file);
  }
  if (absl::Status s = guard->Reload(/*initial=*/true); !s.ok()) return s;
  return guard;
}

bool CallGuard::allow_all() const {
  absl::MutexLock lock(&mu_);
  return policy_.allow_all();
}

absl::Status CallGuard::Reload(bool initial) {
  auto fail = [&](const char* file, const absl::Status& status) {
    reload_failures_.WithLabelValues({file}).Increment();
    logger_->Error("security file not used: the last good version stays",
                   {{"file", file}, {"error", std::string(status.message())}});
    return status;
  };
  if (tokens_file_) {
    absl::StatusOr<std::optional<std::string>> text =
        tokens_file_->ReadIfChanged();
    absl::Status status = text.status();
    if (text.ok() && text->has_value()) {
      absl::StatusOr<TokenTable> table = TokenTable::Parse(**text);
      status = table.status();
      if (table.ok()) {
        tokens_ = *std::move(table);
        if (!initial) {
          logger_->Info("caller tokens reloaded",
                        {{"tokens", absl::StrCat(tokens_.size())}});
        }
      }
    }
    if (!status.ok()) {
      if (initial) return status;
      fail("tokens", status).IgnoreError();
    }
  }
  if (policy_file_) {
    absl::StatusOr<std::optional<std::string>> text =
        policy_file_->ReadIfChanged();
    absl::Status status = text.status();
    if (text.ok() && text->has_value()) {
      absl::StatusOr<Policy> policy = Policy::Parse(**text);
      status = policy.status();
      if (policy.ok()) {
        policy_ = *std::move(policy);
        if (!initial) {
          logger_->Info("caller policy reloaded",
                        {{"callers", absl::StrCat(policy_.size())}});
        }
      }
    }
    if (!status.ok()) {
      if (initial) return status;
      fail("policy", status).IgnoreError();
    }
  }
  return absl::OkStatus();
}

void CallGuard::Begin(
    const void* key, const std::string& method,
    const grpc::ServerContextBase& context,
    const std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
  Call call;
  call.method = method;
  call.access = ClassifyMethod(method);
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::optional<std::string> certificate;
  bool tls = false;
  if (auth != nullptr) {
    certificate = CertificateIdentity(*auth);
    tls = First(*auth, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME) == "ssl";
  }
  std::optional<absl::string_view> bearer;
  if (metadata != nullptr) {
    auto it = metadata->find("authorization");
    if (it != metadata->end()) {
      absl::string_view value(it->second.data(), it->second.size());
      bearer = absl::StripPrefix(value, "Bearer ");
      if (bearer->size() == value.size()) bearer = absl::string_view();
    }
  }
  absl::MutexLock lock(&mu_);
  Reload(/*initial=*/false).IgnoreError();
  bool from_token = false;
  if (certificate) {
    call.caller = *certificate;
  } else if (bearer) {
    if (!tls && !IsLoopbackPeer(context.peer())) {
      call.authenticated = Unauthenticated(
          "bearer tokens are accepted only over TLS or from loopback");
    } else if (std::optional<std::string> name = tokens_.Find(*bearer)) {
      call.caller = *name;
      from_token = true;
    } else {
      call.authenticated = Unauthenticated("the bearer token is not valid");
    }
  } else if (policy_.allow_all()) {
    call.caller = kLocalCaller;
  } else {
    call.authenticated = Unauthenticated(
        "no caller credential: present a client certificate or a bearer "
        "token (authorization: Bearer ...)");
  }
  if (!call.authenticated.ok()) {
    call.caller_label = kUnauthenticatedLabel;
  } else if (from_token || call.caller == kLocalCaller ||
             (!policy_.allow_all() && policy_.Find(call.caller) != nullptr)) {
    call.caller_label = call.caller;
  } else {
    call.caller_label = kUnknownLabel;
  }
  calls_[key] = std::move(call);
}

absl::Status CallGuard::Authorize(Call& call,
                                  const std::vector<std::string>& regions,
                                  bool personal) {
  // Health needs no credential: the probes and load balancers that ask
  // cannot present one.
  if (call.access == Access::kOpen) return absl::OkStatus();
  if (!call.authenticated.ok()) return call.authenticated;
  const CallerRule* rule = policy_.Find(call.caller);
  if (rule == nullptr) {
    return Denied(absl::StrCat("caller \"", call.caller,
                               "\" is not in the caller policy"));
  }
  const absl::string_view method = absl::StripPrefix(call.method, "/");
  if (!call.access.has_value() || !rule->AllowsMethod(method)) {
    return Denied(
        absl::StrCat("caller \"", call.caller, "\" may not call ", method));
  }
  for (const std::string& region : regions) {
    if (!rule->AllowsRegion(region)) {
      return Denied(absl::StrCat("caller \"", call.caller,
                                 "\" may not use region ", region));
    }
  }
  if ((personal || call.access == Access::kPersonal) && !rule->personal_data) {
    return Denied(absl::StrCat("caller \"", call.caller,
                               "\" may not read personal data (", method, ")"));
  }
  return absl::OkStatus();
}

absl::Status CallGuard::Admit(const grpc::ServerContextBase& context,
                              const std::vector<std::string>& regions,
                              absl::string_view resource, bool personal) {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(&context);
  if (it == calls_.end()) {
    return Unauthenticated("the call was not seen by the caller guard");
  }
  Call& call = it->second;
  absl::Status status = Authorize(call, regions, personal);
  if (status.ok()) {
    call.admitted = true;
    call.personal = personal || call.access == Access::kPersonal;
    call.resource = std::string(resource);
  }
  return status;
}

std::optional<grpc::Status> CallGuard::End(
    const void* key, const grpc::Status& status,
    const grpc::ServerContextBase& context) {
  Call call;
  {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(key);
    if (it == calls_.end()) return std::nullopt;
    call = std::move(it->second);
    calls_.erase(it);
  }
  std::optional<grpc::Status> replaced;
  grpc::StatusCode code = status.error_code();
  if (!call.admitted && call.access != Access::kOpen && status.ok()) {
    // A handler that forgot Admit must not serve anyone.
    logger_->Error("call answered without the caller check",
                   {{"method", call.method}});
    absl::Status refusal = call.authenticated.ok()
                               ? Denied("the call was not authorized")
                               : call.authenticated;
    replaced = errors::ToGrpcStatus(refusal);
    code = replaced->error_code();
  }
  const std::string code_name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  std::string service = kUnknownLabel, method = kUnknownLabel;
  if (call.access.has_value()) {
    const size_t slash = call.method.rfind('/');
    service = call.method.substr(1, slash - 1);
    method = call.method.substr(slash + 1);
  }
  requests_.WithLabelValues({call.caller_label, service, method, code_name})
      .Increment();
  if (call.admitted && (call.personal || call.access == Access::kMutating)) {
    std::string request_id;
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find(kRequestIdMetadata); it != metadata.end()) {
      request_id.assign(it->second.data(), it->second.size());
    }
    logger_->Info("audit", {{"caller", call.caller},
                            {"method", call.method},
                            {"resource", call.resource},
                            {"personal_data", call.personal ? "true" : "false"},
                            {"outcome", code_name},
                            {"request_id", request_id}});
  }
  return replaced;
}

void CallGuard::Forget(const void* key) {
  absl::MutexLock lock(&mu_);
  calls_.erase(key);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallGuard::InterceptorFactory() {
  return std::make_unique<Factory>(*this);
}

}  // namespace jumio_gateway::security
