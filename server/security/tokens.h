// The bearer tokens of callers without client certificates
// (--caller_tokens_file): one line per token,
//
//   <caller name> <SHA-256 of the token, 64 hex digits>
//
// ('#' starts a comment line). The file never holds a token itself. A caller
// may have several lines (old and new token while rotating).
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_TOKENS_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_TOKENS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::security {

using Sha256 = std::array<uint8_t, 32>;

Sha256 Sha256Of(absl::string_view data);
std::string Sha256Hex(absl::string_view data);

class TokenTable {
 public:
  // INVALID_ARGUMENT naming the line number (never its content).
  static absl::StatusOr<TokenTable> Parse(absl::string_view text);

  // The caller whose token this is. Compares the token's digest with every
  // line in constant time, whatever matches.
  std::optional<std::string> Find(absl::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string caller;
    Sha256 digest;
  };
  std::vector<Entry> entries_;
};

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_TOKENS_H_
