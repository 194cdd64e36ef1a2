// The one page-token format (AIP-158) of the gateway: a position in a list
// plus a check of the list it belongs to (the parent of a listing, the filter
// of a callback listing), so that a token cannot be replayed against another
// list. Web-safe base64 of "v1\n<position>\n<FNV-1a of the scope, hex>"; the
// hash is stable across processes and replicas (absl::Hash is seeded per
// process) and is no secret: it only catches mixed-up tokens.
//
// Tokens of the earlier offset format of the workflow-execution and step
// listings ("o:<offset>:<check>") are refused with a message saying so: a
// token lives only between two calls of one listing, so starting the listing
// again is all an upgrade asks of a caller.
#ifndef JUMIO_GATEWAY_SERVER_CORE_PAGE_TOKEN_H_
#define JUMIO_GATEWAY_SERVER_CORE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::core {

// `position` must not contain a newline.
std::string EncodePageToken(absl::string_view position,
                            absl::string_view scope);

// The position in `token`. INVALID_ARGUMENT (INVALID_FIELD on "page_token")
// when it is not a token of this gateway, and with `other_scope` as the
// description when it was made for another scope.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view scope,
                                            absl::string_view other_scope);

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_PAGE_TOKEN_H_
