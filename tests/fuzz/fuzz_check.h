// Invariant checks inside fuzz targets: a failed check prints what was wrong
// and aborts, which libFuzzer reports as a crash (with the input saved) and the
// corpus driver as a failed test.
#ifndef JUMIO_GATEWAY_TESTS_FUZZ_FUZZ_CHECK_H_
#define JUMIO_GATEWAY_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace jumio_gateway::fuzz {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              absl::string_view detail);

// The fuzzer's bytes as a string_view.
inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits `input` at the first `separator`: the part before goes to `*head`,
// the rest stays in `input`. Without a separator all of it goes to `*head`.
void TakeField(absl::string_view* input, char separator,
               absl::string_view* head);

}  // namespace jumio_gateway::fuzz

#define JG_FUZZ_CHECK(condition, detail)                                 \
  do {                                                                   \
    if (!(condition)) {                                                  \
      ::jumio_gateway::fuzz::CheckFailed(__FILE__, __LINE__, #condition, \
                                         (detail));                      \
    }                                                                    \
  } while (false)

#endif  // JUMIO_GATEWAY_TESTS_FUZZ_FUZZ_CHECK_H_
