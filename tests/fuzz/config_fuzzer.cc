// The gateway's configuration file (server/config) and the callback settings
// it carries (server/callbacks/settings.h): input is the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/callbacks/settings.h"
#include "server/config/config.h"
#include "server/core/regions.h"
#include "tests/fuzz/fuzz_check.h"

namespace config = ::jumio_gateway::config;
namespace callbacks = ::jumio_gateway::callbacks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  config::ConfigSources sources;
  sources.config_file_json =
      std::string(jumio_gateway::fuzz::AsText(data, size));
  sources.config_file_name = "fuzz.json";
  const absl::StatusOr<config::GatewayConfig> loaded =
      config::LoadConfig(sources, callbacks::CallbackSettingKeys());
  if (!loaded.ok()) {
    JG_FUZZ_CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument,
                  loaded.status().ToString());
    return 0;
  }
  JG_FUZZ_CHECK(jumio_gateway::core::IsKnownRegion(loaded->default_region),
                loaded->default_region);
  if (callbacks::CallbacksEnabled(loaded->extensions)) {
    const absl::StatusOr<callbacks::CallbackOptions> options =
        callbacks::CallbackOptionsFromSettings(loaded->extensions,
                                               loaded->default_region);
    if (!options.ok()) {
      JG_FUZZ_CHECK(
          options.status().code() == absl::StatusCode::kInvalidArgument,
          options.status().ToString());
    }
  }
  return 0;
}
