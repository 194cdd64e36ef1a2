// TLS for the gRPC port, with certificates that rotate without a restart.
//
// gRPC's FileWatcherCertificateProvider reloads files but needs the key and
// the certificate chain to change atomically together, and serves whatever it
// reads. This reloader sits in front of it: it checks the configured pair
// (--grpc_tls_cert_file, --grpc_tls_key_file) every `interval`, and only a
// pair that parses, whose key matches its certificate and whose certificate
// is within its validity period is copied, as one file renamed into place,
// to where gRPC's provider reads it. A broken new pair keeps the old one
// serving, with an error log line and `on_failure` (the reload-failures
// metric). The client CA bundle (--grpc_tls_client_ca_file, mTLS) is
// watched by gRPC directly.
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_TLS_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/observability/logger.h"

namespace jumio_gateway::security {

struct TlsOptions {
  std::string cert_file;       // PEM chain, leaf first
  std::string key_file;        // PEM
  std::string client_ca_file;  // empty: no client certificates asked for
  absl::Duration interval = absl::Seconds(1);
};

// OK when `cert_pem` and `key_pem` parse, the key matches the leaf and the
// leaf is valid at `now`; otherwise INVALID_ARGUMENT saying which.
absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem, absl::Time now);

class TlsReloader {
 public:
  // Fails when the first pair is not usable. `logger` and `clock` must
  // outlive the reloader.
  static absl::StatusOr<std::unique_ptr<TlsReloader>> Create(
      TlsOptions options, observability::Logger* logger,
      const core::Clock& clock, std::function<void()> on_failure);
  ~TlsReloader();  // stops the thread, removes the staged copy

  std::shared_ptr<grpc::ServerCredentials> credentials() const {
    return credentials_;
  }

 private:
  TlsReloader(TlsOptions options, observability::Logger* logger,
              const core::Clock& clock, std::function<void()> on_failure);
  // Stages the pair when it changed and is usable.
  absl::Status Check();
  void Run();

  const TlsOptions options_;
  observability::Logger* const logger_;
  const core::Clock& clock_;
  const std::function<void()> on_failure_;
  std::string dir_;     // private staging directory
  std::string staged_;  // dir_/identity.pem: chain then key
  std::string last_cert_, last_key_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_TLS_H_
