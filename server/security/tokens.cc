#include "server/security/tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace jumio_gateway::security {

Sha256 Sha256Of(absl::string_view data) {
  Sha256 digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const Sha256 digest = Sha256Of(data);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text) {
  TokenTable table;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    bool hex = fields.size() == 2 && fields[1].size() == 64;
    for (size_t i = 0; hex && i < fields[1].size(); ++i) {
      hex = absl::ascii_isxdigit(static_cast<unsigned char>(fields[1][i]));
    }
    if (!hex) {
      return absl::InvalidArgumentError(
          absl::StrCat("caller tokens file: line ", number,
                       " is not \"<caller> <sha256 hex of the token>\""));
    }
    Entry entry;
    entry.caller = std::string(fields[0]);
    const std::string bytes = absl::HexStringToBytes(fields[1]);
    std::copy(bytes.begin(), bytes.end(), entry.digest.begin());
    table.entries_.push_back(std::move(entry));
  }
  return table;
}

std::optional<std::string> TokenTable::Find(absl::string_view token) const {
  const Sha256 digest = Sha256Of(token);
  const Entry* found = nullptr;
  for (const Entry& entry : entries_) {
    // Every line is compared, and each comparison takes the same time.
    const bool equal =
        CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (equal && found == nullptr) found = &entry;
  }
  if (found == nullptr) return std::nullopt;
  return found->caller;
}

}  // namespace jumio_gateway::security
