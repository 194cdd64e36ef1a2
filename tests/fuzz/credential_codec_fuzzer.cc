// The readers of server/jumio/codec/credential_codec.h: prepared data and the
// part upload response.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/jumio/codec/credential_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = ::jumio_gateway::codec;
namespace v1 = ::jumio::gateway::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body = jumio_gateway::fuzz::AsText(data, size);
  (void)codec::ReadPartUploadResponse(body, "amer-1",
                                      "11111111-2222-3333-4444-555555555555");

  // Prepared data the reader accepts is either refused by the strict writer
  // or written as a body the reader accepts again.
  absl::StatusOr<v1::PreparedData> prepared = codec::ReadPreparedData(body);
  if (prepared.ok()) {
    absl::StatusOr<std::string> written = codec::WritePreparedData(*prepared);
    if (written.ok()) {
      absl::StatusOr<v1::PreparedData> again =
          codec::ReadPreparedData(*written);
      JG_FUZZ_CHECK(again.ok(), again.status().ToString());
    }
  }
  return 0;
}
