// Who is calling, and may they: the caller guard of the gRPC port.
//
// One interceptor (InterceptorFactory, installed first by the composition
// root) sees every call. When the call's metadata arrives it names the
// caller: the client certificate's SPIFFE URI SAN, else its subject CN (mTLS);
// else a bearer token ("authorization: Bearer <token>") found in the tokens
// file, accepted only over TLS or from a loopback peer; else, when no policy
// file is configured, the "local" caller. When the call ends it writes the
// audit line (one JSON line per admitted mutating or personal-data call:
// caller, method, resource name, outcome, request id; never a request field
// other than the resource name) and counts the call per caller.
//
// Every service method calls Admit before it does anything else, with the
// regions the call touches (from its resource names): the policy decides
// there, before any upstream call. A call that never passed Admit cannot
// succeed: the interceptor turns its status into PERMISSION_DENIED.
//
// Refusals: UNAUTHENTICATED / CALLER_UNAUTHENTICATED for no or an invalid
// credential, PERMISSION_DENIED / CALLER_PERMISSION_DENIED for a caller
// outside its policy. Messages name the caller, the method or the region,
// never a token.
//
// The tokens and policy files are re-read when they change (checked at each
// call); a broken new file keeps the last good one, with an error log line
// and jumio_gateway_security_reload_failures_total{file}.
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_GUARD_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_GUARD_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/observability/logger.h"
#include "server/observability/metrics.h"
#include "server/security/methods.h"
#include "server/security/policy.h"
#include "server/security/tokens.h"
#include "server/security/watched_file.h"

namespace jumio_gateway::security {

// The caller of every call when no policy file is configured.
inline constexpr char kLocalCaller[] = "local";

struct GuardOptions {
  // Empty: no bearer tokens.
  std::string tokens_file;
  // Empty: every caller is allowed everything (the loopback development
  // default, or --insecure_allow_all_callers).
  std::string policy_file;
};

// The caller's identity from a client certificate: the SPIFFE ID, else the
// first spiffe:// URI SAN, else the subject CN; nullopt without a verified
// client certificate.
std::optional<std::string> CertificateIdentity(const grpc::AuthContext& auth);

// Whether a gRPC peer string ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000") is a
// loopback address.
bool IsLoopbackPeer(absl::string_view peer);

// Whether a listen address ("host:port") binds loopback only.
bool IsLoopbackListen(absl::string_view listen);

// The start-up rule for the gRPC port: a non-loopback address needs TLS
// unless `allow_plaintext`, and a policy file unless `allow_all_callers`.
// FAILED_PRECONDITION naming the missing setting and its override.
absl::Status CheckExposure(absl::string_view listen, bool tls, bool policy,
                           bool allow_plaintext, bool allow_all_callers);

class CallGuard {
 public:
  // Reads the files once (an unreadable or invalid file is an error).
  // `logger` and `registry` must outlive the guard.
  static absl::StatusOr<std::unique_ptr<CallGuard>> Create(
      GuardOptions options, observability::Logger* logger,
      observability::Registry& registry);
  ~CallGuard();

  // The policy's verdict on this call: OK, UNAUTHENTICATED or
  // PERMISSION_DENIED (see above). `regions`: every region id the call
  // touches; `resource`: the resource name for the audit line;
  // `personal`: the call returns personal data although its method's class
  // (methods.h) is not kPersonal (GetWorkflowExecution's FULL view).
  absl::Status Admit(const grpc::ServerContextBase& context,
                     const std::vector<std::string>& regions,
                     absl::string_view resource, bool personal = false);

  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  bool allow_all() const;
  // Counts a changed security file that could not be used ("tls", ...).
  void RecordReloadFailure(const std::string& file) {
    reload_failures_.WithLabelValues({file}).Increment();
  }

 private:
  class Interceptor;
  class Factory;
  struct Call {
    std::string method;  // "/pkg.Service/Method"
    std::optional<Access> access;
    absl::Status authenticated;  // OK with `caller` set, or the refusal
    std::string caller;
    std::string caller_label;
    bool admitted = false;
    bool personal = false;
    std::string resource;
  };

  CallGuard(GuardOptions options, observability::Logger* logger,
            observability::Registry& registry);
  absl::Status Reload(bool initial) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Names the caller of a new call and remembers it under `key`.
  void Begin(const void* key, const std::string& method,
             const grpc::ServerContextBase& context,
             const std::multimap<grpc::string_ref, grpc::string_ref>* metadata);
  // The status to send instead of `status`, if any; writes the audit line
  // and the metric, and forgets the call.
  std::optional<grpc::Status> End(const void* key, const grpc::Status& status,
                                  const grpc::ServerContextBase& context);
  void Forget(const void* key);
  absl::Status Authorize(Call& call, const std::vector<std::string>& regions,
                         bool personal) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const GuardOptions options_;
  observability::Logger* const logger_;
  observability::Family<observability::Counter>& requests_;
  observability::Family<observability::Counter>& reload_failures_;

  mutable absl::Mutex mu_;
  std::optional<WatchedFile> tokens_file_ ABSL_GUARDED_BY(mu_);
  std::optional<WatchedFile> policy_file_ ABSL_GUARDED_BY(mu_);
  TokenTable tokens_ ABSL_GUARDED_BY(mu_);
  Policy policy_ ABSL_GUARDED_BY(mu_);
  std::map<const void*, Call> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_GUARD_H_
