#include "tests/testing/test_pki.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace jumio::testing {
namespace {

bool Run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

constexpr char kKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

}  // namespace

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TestPki::TestPki(std::string dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)) {
  ca_cert_ = absl::StrCat(dir_, "/", name_, ".pem");
  ca_key_ = absl::StrCat(dir_, "/", name_, ".key");
  ok_ = Run(absl::StrCat("openssl req -x509 ", kKey, " -keyout ", ca_key_,
                         " -out ", ca_cert_, " -subj /CN=", name_, " -days 3"));
}

absl::StatusOr<CertFiles> TestPki::Issue(const CertRequest& request) const {
  CertFiles files{absl::StrCat(dir_, "/", request.name, ".pem"),
                  absl::StrCat(dir_, "/", request.name, ".key")};
  const std::string csr = absl::StrCat(dir_, "/", request.name, ".csr");
  const std::string ext = absl::StrCat(dir_, "/", request.name, ".ext");
  std::string san;
  if (request.server) san = "IP:127.0.0.1,DNS:localhost";
  if (!request.spiffe_id.empty()) {
    san = absl::StrCat(san, san.empty() ? "" : ",", "URI:", request.spiffe_id);
  }
  {
    std::ofstream out(ext);
    out << "basicConstraints=CA:FALSE\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n";
    if (!san.empty()) out << "subjectAltName=" << san << "\n";
  }
  if (!Run(absl::StrCat("openssl req ", kKey, " -keyout ", files.key, " -out ",
                        csr, " -subj /CN=", request.cn)) ||
      !Run(absl::StrCat("openssl x509 -req -in ", csr, " -CA ", ca_cert_,
                        " -CAkey ", ca_key_, " -set_serial ",
                        std::rand() % 1000000 + 1, " -days ", request.days,
                        " -extfile ", ext, " -out ", files.cert))) {
    return absl::InternalError(
        absl::StrCat("openssl could not issue ", request.name));
  }
  return files;
}

}  // namespace jumio::testing
