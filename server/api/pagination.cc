#include "server/api/pagination.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

// FNV-1a of the parent: stable across processes and replicas (absl::Hash is
// not), and not a secret; it only ties a token to its list, to catch mixed-up
// tokens.
std::string ParentCheck(const std::string& parent) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : parent) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrCat(hash % 1000000007);
}

}  // namespace

absl::StatusOr<Page> ParsePage(int32_t page_size, const std::string& page_token,
                               const std::string& parent, size_t default_size,
                               size_t max_size) {
  if (page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  Page page;
  page.size =
      page_size == 0 ? default_size : std::min<size_t>(page_size, max_size);
  if (page_token.empty()) return page;
  std::string decoded;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(page_token, &decoded)) {
    parts = absl::StrSplit(decoded, ':');
  }
  if (parts.size() != 3 || parts[0] != "o" ||
      !absl::SimpleAtoi(parts[1], &page.offset) ||
      parts[2] != ParentCheck(parent)) {
    return errors::InvalidField(
        "page_token", "is not a token from a previous call with this parent");
  }
  return page;
}

std::string NextPageToken(const Page& page, size_t total,
                          const std::string& parent) {
  const size_t next = page.offset + page.size;
  if (next >= total) return "";
  return absl::WebSafeBase64Escape(
      absl::StrCat("o:", next, ":", ParentCheck(parent)));
}

}  // namespace jumio_gateway::api
