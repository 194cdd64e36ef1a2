// Jumio error bodies (server/jumio/codec/error_codec.h) and the sanitiser of
// upstream text: whatever the body, what comes out is what the header
// promises, since it reaches callers and logs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "server/jumio/codec/error_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool OnlyOf(absl::string_view text, absl::string_view extra) {
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

// At most 200 printable ASCII characters, no quotes (quoted text is
// redacted), no e-mail addresses, URLs or runs of 4+ digits.
void CheckSanitized(const std::string& text) {
  JG_FUZZ_CHECK(text.size() <= 200, text);
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    JG_FUZZ_CHECK(u >= 0x20 && u < 0x7F, text);
    JG_FUZZ_CHECK(c != '"' && c != '\'' && c != '`', text);
  }
  JG_FUZZ_CHECK(text.find('@') == std::string::npos, text);
  JG_FUZZ_CHECK(text.find("://") == std::string::npos, text);
  int run = 0;
  for (char c : text) {
    run = absl::ascii_isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
    JG_FUZZ_CHECK(run < 4, text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body = jumio_gateway::fuzz::AsText(data, size);
  const jumio_gateway::codec::UpstreamErrorBody error =
      jumio_gateway::codec::ReadUpstreamError(body);
  CheckSanitized(error.message);
  JG_FUZZ_CHECK(error.field.size() <= 100 && OnlyOf(error.field, "_.[]-"),
                error.field);
  JG_FUZZ_CHECK(error.code.size() <= 32 && OnlyOf(error.code, "_.-"),
                error.code);
  CheckSanitized(jumio_gateway::codec::SanitizeUpstreamText(body));
  return 0;
}
