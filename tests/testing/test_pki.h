// Certificates for TLS tests, made with the openssl command at test time: a
// CA, and server or client certificates it signs (also expired ones).
//
//   TestPki pki(dir, "ca");
//   auto server = pki.Issue({.name = "server", .cn = "gateway",
//                            .server = true});
//   auto client = pki.Issue({.name = "reader",
//                            .spiffe_id = "spiffe://test/reader"});
#ifndef JUMIO_GATEWAY_TESTS_TESTING_TEST_PKI_H_
#define JUMIO_GATEWAY_TESTS_TESTING_TEST_PKI_H_

#include <string>

#include "absl/status/statusor.h"

namespace jumio::testing {

struct CertRequest {
  std::string name;       // file stem: <dir>/<name>.pem, <dir>/<name>.key
  std::string cn;         // subject CN
  std::string spiffe_id;  // URI SAN when set
  bool server = false;    // SANs IP:127.0.0.1 and DNS:localhost
  int days = 2;           // negative: expired that many days ago
};

struct CertFiles {
  std::string cert;  // PEM path
  std::string key;   // PEM path
};

class TestPki {
 public:
  // Makes the CA under `dir` (which must exist); check ok() after.
  TestPki(std::string dir, std::string name);
  bool ok() const { return ok_; }
  const std::string& ca_file() const { return ca_cert_; }
  absl::StatusOr<CertFiles> Issue(const CertRequest& request) const;

 private:
  std::string dir_;
  std::string name_;
  std::string ca_cert_;
  std::string ca_key_;
  bool ok_ = false;
};

std::string ReadWholeFile(const std::string& path);

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_TEST_PKI_H_
