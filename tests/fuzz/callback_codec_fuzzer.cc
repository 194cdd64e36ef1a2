// The callback document reader (server/jumio/codec/callback_codec.h).
#include <cstddef>
#include <cstdint>

#include "server/jumio/codec/callback_codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)jumio_gateway::codec::ReadCallback(
      jumio_gateway::fuzz::AsText(data, size),
      ::jumio::gateway::v1::REGION_EMEA_1);
  return 0;
}
