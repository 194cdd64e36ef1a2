// The readers of server/jumio/codec/retrieval_codec.h: finalize, status,
// workflow details (with and without the raw document) and steps.
#include <cstddef>
#include <cstdint>

#include "server/jumio/codec/retrieval_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = ::jumio_gateway::codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body = jumio_gateway::fuzz::AsText(data, size);
  (void)codec::ReadFinalizeResponse(body, "amer-1");
  (void)codec::ReadWorkflowExecutionStatus(body, "emea-1");
  (void)codec::ReadWorkflowExecution(body, "apac-1", /*include_raw=*/false);
  (void)codec::ReadWorkflowExecution(body, "amer-1", /*include_raw=*/true);
  (void)codec::ReadWorkflowSteps(body);
  return 0;
}
