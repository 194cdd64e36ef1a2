// The callback receiver's body parser (server/callbacks/parse.h): every body
// an allowed source can POST.
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "server/callbacks/parse.h"
#include "tests/fuzz/fuzz_check.h"

namespace callbacks = ::jumio_gateway::callbacks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const callbacks::ParsedCallback parsed = callbacks::ParseCallback(
      jumio_gateway::fuzz::AsText(data, size),
      ::jumio::gateway::v1::REGION_AMER_1, absl::FromUnixSeconds(1700000000));
  // A failure says why; a success has nothing to say.
  JG_FUZZ_CHECK((parsed.failure == callbacks::ParseFailure::kNone) ==
                    parsed.error.empty(),
                parsed.error);
  return 0;
}
