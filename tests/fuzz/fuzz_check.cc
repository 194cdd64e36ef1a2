#include "tests/fuzz/fuzz_check.h"

#include <cstdio>
#include <cstdlib>

namespace jumio_gateway::fuzz {

void CheckFailed(const char* file, int line, const char* condition,
                 absl::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s: %.*s\n", file, line,
               condition, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void TakeField(absl::string_view* input, char separator,
               absl::string_view* head) {
  const size_t at = input->find(separator);
  if (at == absl::string_view::npos) {
    *head = *input;
    *input = absl::string_view();
    return;
  }
  *head = input->substr(0, at);
  input->remove_prefix(at + 1);
}

}  // namespace jumio_gateway::fuzz
