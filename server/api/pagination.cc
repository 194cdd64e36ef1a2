#include "server/api/pagination.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/core/page_token.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {

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
  constexpr char kNotOurs[] =
      "is not a token from a previous call with this parent";
  absl::StatusOr<std::string> offset =
      core::DecodePageToken(page_token, parent, kNotOurs);
  if (!offset.ok()) return offset.status();
  if (!absl::SimpleAtoi(*offset, &page.offset)) {
    return errors::InvalidField("page_token", kNotOurs);
  }
  return page;
}

std::string NextPageToken(const Page& page, size_t total,
                          const std::string& parent) {
  const size_t next = page.offset + page.size;
  if (next >= total) return "";
  return core::EncodePageToken(absl::StrCat(next), parent);
}

}  // namespace jumio_gateway::api
