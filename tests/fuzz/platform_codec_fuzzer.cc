// The reader of Jumio's platform health document
// (server/jumio/codec/platform_codec.h).
#include <cstddef>
#include <cstdint>

#include "server/jumio/codec/platform_codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)jumio_gateway::codec::ReadPlatformStatus(
      jumio_gateway::fuzz::AsText(data, size), "amer-1");
  return 0;
}
