// jumio-gateway: one gRPC service in front of the Jumio KYX platform.
//
// main() only turns flags, environment and config file into a GatewayConfig,
// runs a Gateway (server/gateway.h) and turns SIGTERM/SIGINT into its graceful
// shutdown.
//
// The settings' flags are not ABSL_FLAGs: absl flags are defined at compile
// time one macro each, which would be a second list of the settings beside
// config::ConfigTable(). config::TakeSettingFlags takes them out of argv first;
// absl parses the rest (--config, --check_config, --help, and refuses unknown
// flags), and --help prints the table's usage text.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/config/config.h"
#include "server/gateway.h"
#include "server/http/server.h"
#include "server/observability/logger.h"

ABSL_FLAG(std::string, config, "",
          "Path of a JSON config file (optional; or JUMIO_GATEWAY_CONFIG).");
ABSL_FLAG(bool, check_config, false,
          "Only load and validate the configuration, then exit (0: valid).");

namespace jumio_gateway {
namespace {

int Run(int argc, char** argv) {
#ifdef NDEBUG
  // Debian's abseil is built without NDEBUG, so every Mutex lock of an
  // optimized gateway would also update the deadlock graph (a profile showed
  // it on the hot path). Debug and sanitizer builds keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  observability::Logger logger(stderr);
  absl::SetProgramUsageMessage(absl::StrCat(
      "gRPC gateway to the Jumio KYX platform.\n\nEvery "
      "setting is a flag, a JUMIO_GATEWAY_<NAME> environment variable and a "
      "key of the --config JSON file; flags win over the environment, which "
      "wins over the file.\n\nSettings:\n",
      config::SettingsHelp()));
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage);

  std::vector<char*> args(argv, argv + argc + 1);  // with the final null
  absl::StatusOr<config::Settings> flags = config::TakeSettingFlags(args);
  if (!flags.ok()) {
    logger.Error("invalid flags",
                 {{"error", std::string(flags.status().message())}});
    return 2;
  }
  absl::ParseCommandLine(static_cast<int>(args.size()) - 1, args.data());

  // Block the shutdown signals before any thread starts, so that only sigwait()
  // sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every HTTP and gRPC connection holds a descriptor; the common soft limit
  // of 1024 would cap the callback receiver and admin port far below their
  // connection caps.
  if (absl::StatusOr<uint64_t> nofile = http::RaiseOpenFileLimit();
      nofile.ok()) {
    logger.Info("open file limit", {{"nofile", absl::StrCat(*nofile)}});
  } else {
    logger.Warning("open file limit unchanged",
                   {{"error", std::string(nofile.status().message())}});
  }

  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    environment.emplace_back(*variable);
  }
  absl::StatusOr<config::ConfigSources> sources = config::ReadSources(
      *std::move(flags), environment, absl::GetFlag(FLAGS_config));
  absl::StatusOr<config::GatewayConfig> config =
      sources.ok() ? config::LoadConfig(*sources)
                   : absl::StatusOr<config::GatewayConfig>(sources.status());
  if (!config.ok()) {
    logger.Error("invalid configuration",
                 {{"error", std::string(config.status().message())}});
    return 2;
  }
  if (absl::GetFlag(FLAGS_check_config)) {
    logger.Info("configuration is valid");
    return 0;
  }
  const absl::Duration grace = config->shutdown_grace;
  absl::StatusOr<std::unique_ptr<Gateway>> gateway =
      Gateway::Create(*std::move(config), &logger);
  absl::Status started = gateway.ok() ? (*gateway)->Start() : gateway.status();
  if (!started.ok()) {
    logger.Error("cannot start", {{"error", std::string(started.message())}});
    return 1;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger.Info("shutting down", {{"signal", absl::StrCat(signal_number)}});
  (*gateway)->Shutdown(grace);
  logger.Info("stopped");
  return 0;
}

}  // namespace
}  // namespace jumio_gateway

int main(int argc, char** argv) { return jumio_gateway::Run(argc, argv); }
