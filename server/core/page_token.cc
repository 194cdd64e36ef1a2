#include "server/core/page_token.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/errors/errors.h"

namespace jumio_gateway::core {
namespace {

uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string EncodePageToken(absl::string_view position,
                            absl::string_view scope) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1\n", position, "\n", absl::Hex(Fnv1a(scope))));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view scope,
                                            absl::string_view other_scope) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return errors::InvalidField("page_token", "not a page token");
  }
  if (absl::StartsWith(raw, "o:")) {
    return errors::InvalidField(
        "page_token",
        "is a page token of an earlier gateway version: list again without "
        "page_token");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  if (parts.size() != 3 || parts[0] != "v1") {
    return errors::InvalidField("page_token", "not a page token");
  }
  if (parts[2] != absl::StrCat(absl::Hex(Fnv1a(scope)))) {
    return errors::InvalidField("page_token", other_scope);
  }
  return parts[1];
}

}  // namespace jumio_gateway::core
