// The real jumio-sandbox as the upstream of an in-process Gateway: the
// sandbox subprocess, the credential files it accepts, and the settings that
// point a gateway at it (gRPC and admin ports on loopback port 0). Tests add
// the settings of what they exercise on top.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_SANDBOX_UPSTREAM_H_
#define JUMIO_GATEWAY_TESTS_TESTING_SANDBOX_UPSTREAM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/config/config.h"
#include "tests/testing/subprocess.h"

namespace jumio::testing {

class SandboxUpstream {
 public:
  // Starts the sandbox on loopback (rate limits off, then `extra_args`) and
  // writes its client id and secret under `dir`.
  static absl::StatusOr<std::unique_ptr<SandboxUpstream>> Start(
      const std::string& dir, const std::vector<std::string>& extra_args = {});

  // grpc_listen, admin_listen, jumio_url_template, client_id_file,
  // client_secret_file and default_region (emea-1).
  jumio_gateway::config::Settings GatewaySettings() const;

  int port() const { return process_->port(); }

 private:
  SandboxUpstream(std::unique_ptr<Subprocess> process, std::string dir)
      : process_(std::move(process)), dir_(std::move(dir)) {}

  std::unique_ptr<Subprocess> process_;
  std::string dir_;
};

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_SANDBOX_UPSTREAM_H_
