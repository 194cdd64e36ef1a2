#include "tests/testing/sandbox_upstream.h"

#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jumio::testing {

absl::StatusOr<std::unique_ptr<SandboxUpstream>> SandboxUpstream::Start(
    const std::string& dir, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                   "--rate_limits=false"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto process = Subprocess::Start(RunfilePath("sandbox/jumio-sandbox"), args);
  if (!process.ok()) return process.status();
  std::ofstream(dir + "/id") << "sandbox-client\n";
  std::ofstream(dir + "/secret") << "sandbox-secret\n";
  if (!std::ifstream(dir + "/secret")) {
    return absl::InternalError(absl::StrCat("cannot write under ", dir));
  }
  return std::unique_ptr<SandboxUpstream>(
      new SandboxUpstream(*std::move(process), dir));
}

jumio_gateway::config::Settings SandboxUpstream::GatewaySettings() const {
  return {
      {"grpc_listen", "127.0.0.1:0"},
      {"admin_listen", "127.0.0.1:0"},
      {"jumio_url_template",
       absl::StrCat("http://127.0.0.1:", port(), "/{region}/{kind}")},
      {"client_id_file", dir_ + "/id"},
      {"client_secret_file", dir_ + "/secret"},
      {"default_region", "emea-1"},
  };
}

}  // namespace jumio::testing
