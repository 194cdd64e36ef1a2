// Sealed blobs as the stores hand them back (server/crypto/sealer.h): bytes
// anyone with write access to SQLite or Redis may have changed. Open must
// refuse every blob it did not seal, without crashing or handing out
// unauthenticated bytes; and whatever the input, a Seal of it under any
// associated data opens again to the same bytes, and only with that data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/crypto/sealer.h"
#include "tests/fuzz/fuzz_check.h"

namespace crypto = ::jumio_gateway::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Keyring* ring = [] {
    std::vector<std::string> keys = {std::string(crypto::kKeyBytes, '\x2a'),
                                     std::string(crypto::kKeyBytes, '\x07')};
    return new crypto::Keyring(*crypto::Keyring::FromKeys(keys));
  }();
  const absl::string_view input = jumio_gateway::fuzz::AsText(data, size);

  absl::StatusOr<std::string> opened = ring->Open(input, "fuzz-aad");
  if (opened.ok()) {
    JG_FUZZ_CHECK(opened->size() + crypto::kOverheadBytes == input.size(),
                  "an opened blob of the wrong size");
  } else {
    JG_FUZZ_CHECK(opened.status().code() == absl::StatusCode::kDataLoss ||
                      crypto::IsMissingKey(opened.status()),
                  opened.status().ToString());
  }

  // "aad\nplaintext"
  absl::string_view plaintext = input;
  absl::string_view aad;
  jumio_gateway::fuzz::TakeField(&plaintext, '\n', &aad);
  absl::StatusOr<std::string> sealed = ring->Seal(plaintext, aad);
  JG_FUZZ_CHECK(sealed.ok(), sealed.status().ToString());
  absl::StatusOr<std::string> again = ring->Open(*sealed, aad);
  JG_FUZZ_CHECK(again.ok() && *again == plaintext, "a round trip failed");
  JG_FUZZ_CHECK(!ring->Open(*sealed, absl::StrCat(aad, "x")).ok(),
                "a blob opened under other associated data");
  return 0;
}
