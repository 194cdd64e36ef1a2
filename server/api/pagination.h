// AIP-158 pages over lists that Jumio returns whole (steps, an account's
// workflow executions). The token (server/core/page_token.h) carries the
// offset of the next item and is tied to the parent, so a token cannot be
// replayed against another list.
#ifndef JUMIO_GATEWAY_SERVER_API_PAGINATION_H_
#define JUMIO_GATEWAY_SERVER_API_PAGINATION_H_

#include <string>

#include "absl/status/statusor.h"

namespace jumio_gateway::api {

struct Page {
  size_t offset = 0;
  size_t size = 0;
};

// Validates page_size (0 -> `default_size`, above `max_size` -> `max_size`,
// negative -> INVALID_ARGUMENT) and page_token (INVALID_ARGUMENT when it is not
// one of ours for `parent`).
absl::StatusOr<Page> ParsePage(int32_t page_size, const std::string& page_token,
                               const std::string& parent, size_t default_size,
                               size_t max_size);

// The token for the page after [offset, offset + size) of `total` items; empty
// at the end.
std::string NextPageToken(const Page& page, size_t total,
                          const std::string& parent);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_PAGINATION_H_
