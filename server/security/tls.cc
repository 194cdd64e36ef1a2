#include "server/security/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace jumio_gateway::security {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status WriteAtomically(const std::string& path,
                             const std::string& contents) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename to ", path));
  }
  return absl::OkStatus();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

}  // namespace

absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem, absl::Time now) {
  std::unique_ptr<BIO, BioFree> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<BIO, BioFree> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) {
    return absl::InvalidArgumentError("the certificate is not PEM X.509");
  }
  if (key == nullptr) {
    return absl::InvalidArgumentError("the private key is not a PEM key");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the private key does not match the certificate");
  }
  time_t t = absl::ToTimeT(now);
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &t) > 0) {
    return absl::InvalidArgumentError("the certificate is not yet valid");
  }
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &t) < 0) {
    return absl::InvalidArgumentError("the certificate has expired");
  }
  return absl::OkStatus();
}

TlsReloader::TlsReloader(TlsOptions options, observability::Logger* logger,
                         const core::Clock& clock,
                         std::function<void()> on_failure)
    : options_(std::move(options)),
      logger_(logger),
      clock_(clock),
      on_failure_(std::move(on_failure)) {}

absl::StatusOr<std::unique_ptr<TlsReloader>> TlsReloader::Create(
    TlsOptions options, observability::Logger* logger, const core::Clock& clock,
    std::function<void()> on_failure) {
  std::unique_ptr<TlsReloader> reloader(new TlsReloader(
      std::move(options), logger, clock, std::move(on_failure)));
  const char* tmpdir = getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp", "/jg-tls-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a directory for the TLS pair in ",
                     pattern.substr(0, pattern.rfind('/'))));
  }
  reloader->dir_ = pattern;
  reloader->staged_ = pattern + "/identity.pem";
  if (absl::Status s = reloader->Check(); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("grpc TLS certificate: ", s.message()));
  }
  if (!reloader->options_.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFile(reloader->options_.client_ca_file);
    if (!ca.ok()) return ca.status();
    if (ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          reloader->options_.client_ca_file, " holds no PEM certificate"));
    }
  }
  const unsigned refresh = static_cast<unsigned>(
      std::max<int64_t>(1, absl::ToInt64Seconds(reloader->options_.interval)));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          reloader->staged_, reloader->staged_,
          reloader->options_.client_ca_file, refresh);
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (reloader->options_.client_ca_file.empty()) {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    tls.watch_root_certs();
    // Callers with a token present no certificate; one that is presented
    // must verify.
    tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  reloader->credentials_ = grpc::experimental::TlsServerCredentials(tls);
  reloader->thread_ = std::thread([r = reloader.get()] { r->Run(); });
  return reloader;
}

TlsReloader::~TlsReloader() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (!staged_.empty()) std::remove(staged_.c_str());
  if (!dir_.empty()) rmdir(dir_.c_str());
}

absl::Status TlsReloader::Check() {
  absl::StatusOr<std::string> cert = ReadFile(options_.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options_.key_file);
  if (!key.ok()) return key.status();
  if (*cert == last_cert_ && *key == last_key_) return absl::OkStatus();
  if (absl::Status s = CheckKeyPair(*cert, *key, clock_.Now()); !s.ok()) {
    return s;
  }
  std::string combined = *cert;
  if (!combined.empty() && combined.back() != '\n') combined += '\n';
  combined += *key;
  if (absl::Status s = WriteAtomically(staged_, combined); !s.ok()) return s;
  if (!last_cert_.empty()) logger_->Info("grpc TLS certificate reloaded");
  last_cert_ = *std::move(cert);
  last_key_ = *std::move(key);
  return absl::OkStatus();
}

void TlsReloader::Run() {
  bool failing = false;
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.interval)) {
    mu_.Unlock();
    absl::Status status = Check();
    mu_.Lock();
    if (!status.ok() && !failing) {
      // Once per broken pair, not once per interval.
      logger_->Error(
          "grpc TLS certificate not reloaded: the previous one keeps serving",
          {{"error", std::string(status.message())}});
      if (on_failure_) on_failure_();
    }
    failing = !status.ok();
  }
}

}  // namespace jumio_gateway::security
