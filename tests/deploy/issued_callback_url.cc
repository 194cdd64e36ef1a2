// Prints, for one gateway config file, the callback URLs the gateway would
// issue and the port its callback receiver would listen on, as one JSON object:
//   {"account_url": "...", "new_account_url": "...", "path_prefix": "...",
//    "listen_port": 8080}
// It goes through the gateway's own code (LoadConfig, the callback settings
// parser and CallbackUrlIssuer), so that tests/deploy/manifests_test.py checks
// the ingress against what the binary really does, not against a copy of the
// path that could drift.
//
// Usage: issued_callback_url CONFIG_FILE
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/callbacks/component.h"
#include "server/callbacks/token.h"
#include "server/config/config.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "issued_callback_url: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace callbacks = jumio_gateway::callbacks;
  namespace config = jumio_gateway::config;
  if (argc != 2) return Fail("usage: issued_callback_url CONFIG_FILE");
  std::ifstream in(argv[1]);
  if (!in) return Fail(std::string("cannot read ") + argv[1]);
  std::stringstream contents;
  contents << in.rdbuf();

  config::ConfigSources sources;
  sources.config_file_json = contents.str();
  sources.config_file_name = argv[1];
  absl::StatusOr<config::GatewayConfig> loaded = config::LoadConfig(sources);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  if (!loaded->callbacks_enabled()) {
    return Fail("the config does not switch the callback receiver on");
  }
  const callbacks::CallbackOptions& options = loaded->callbacks;

  // The key only shapes the token, never the host or the path.
  absl::StatusOr<callbacks::HmacKeyring> keys =
      callbacks::HmacKeyring::FromKeys({std::string(32, 'k')});
  if (!keys.ok()) return Fail(std::string(keys.status().message()));
  // No log: UrlForAccount and IssueForNewAccount store nothing.
  const callbacks::CallbackUrlIssuer issuer(options.public_base_url,
                                            *std::move(keys), nullptr);
  absl::StatusOr<callbacks::CallbackUrlIssuer::Issued> issued =
      issuer.IssueForNewAccount();
  if (!issued.ok()) return Fail(std::string(issued.status().message()));

  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  writer.StartObject();
  writer.Key("account_url");
  writer.String(
      issuer.UrlForAccount("11111111-2222-3333-4444-555555555555").c_str());
  writer.Key("new_account_url");
  writer.String(issued->url.c_str());
  writer.Key("path_prefix");
  writer.String(callbacks::kCallbackPathPrefix);
  writer.Key("listen_port");
  writer.Int(options.listen_port);
  writer.EndObject();
  std::cout << out.GetString() << "\n";
  return 0;
}
