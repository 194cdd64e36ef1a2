// The gateway's configuration file (server/config), callback settings
// included: input is the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/config/config.h"
#include "server/core/regions.h"
#include "tests/fuzz/fuzz_check.h"

namespace config = ::jumio_gateway::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  config::ConfigSources sources;
  sources.config_file_json =
      std::string(jumio_gateway::fuzz::AsText(data, size));
  sources.config_file_name = "fuzz.json";
  const absl::StatusOr<config::GatewayConfig> loaded =
      config::LoadConfig(sources);
  if (!loaded.ok()) {
    JG_FUZZ_CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument,
                  loaded.status().ToString());
    return 0;
  }
  JG_FUZZ_CHECK(
      jumio_gateway::core::IsKnownRegion(loaded->jumio.default_region),
      loaded->jumio.default_region);
  // What a loaded config holds, the table reads back and accepts again.
  for (const config::ConfigEntry& entry : config::ConfigTable()) {
    config::GatewayConfig copy;
    const std::string value = entry.get(*loaded);
    JG_FUZZ_CHECK(entry.set(value, copy).ok(), entry.name);
  }
  return 0;
}
