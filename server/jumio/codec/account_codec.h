// Accounts: the account create/update request body (strict writer, plus a
// tolerant reader of the same body for round trips and the sandbox), the
// create/update response (tolerant reader), and the account retrieval
// document (GET retrieval.{r}.jumio.ai/api/v1/accounts/{a}).
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ACCOUNT_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ACCOUNT_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/duration.pb.h"
#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/retrieval.pb.h"

namespace jumio_gateway::codec {

// Jumio's documented limits ("Max. Length"), in bytes of UTF-8: that is what
// Jumio counts (60 x U+00E9 is 120 bytes and Jumio answers 400 for it).
inline constexpr size_t kMaxReferenceBytes = 100;  // customerInternal/userRef
inline constexpr size_t kMaxReportingCriteriaBytes = 255;
inline constexpr size_t kMaxUrlBytes = 255;  // callbackUrl, success/errorUrl
inline constexpr size_t kMaxLocaleBytes = 5;
inline constexpr size_t kMaxStateBytes = 100;
inline constexpr size_t kMaxAdditionalPropertiesBytes = 255;  // gateway limit
inline constexpr int kMaxCredentialDefinitions = 10;          // gateway limit
inline constexpr int kMaxCountryValues = 250;                 // gateway limit
inline constexpr int64_t kMinTokenLifetimeSeconds = 5 * 60;
inline constexpr int64_t kMaxTokenLifetimeSeconds = 60 * 24 * 3600;

// The body of POST /api/v1/accounts (create) and PUT /api/v1/accounts/{a}
// (update): fields 3 to 10 of the request, empty ones omitted. Strict: every
// field is checked against the documented limits and formats, and all
// violations come back together as INVALID_ARGUMENT / INVALID_FIELD with one
// BadRequest violation per field (proto paths such as
// "workflow_definition.credentials[0].country.values[1]"). `region`,
// `request_id` and (update) `name` are not part of the body and are not
// checked here. A `callback_url` the caller left empty is left out: the
// gateway's configured default is the caller's to fill in before writing.
// Relaxations of the strict writer for local use.
struct AccountBodyOptions {
  // Accept an http:// callbackUrl on a loopback address (the sandbox calling
  // the gateway on the same machine). Jumio itself only calls https URLs with a
  // host name.
  bool allow_loopback_http_callback_url = false;
};

absl::StatusOr<std::string> WriteCreateAccountBody(
    const ::jumio::gateway::v1::CreateAccountRequest& request,
    const AccountBodyOptions& options = {});
absl::StatusOr<std::string> WriteUpdateAccountBody(
    const ::jumio::gateway::v1::UpdateAccountRequest& request,
    const AccountBodyOptions& options = {});

// Jumio's tokenLifetime string for `lifetime`: the largest exact unit, "5m",
// "1d", "36h", "601s". INVALID_ARGUMENT (field `token_lifetime`) outside 5
// minutes .. 60 days or with non-zero nanos.
absl::StatusOr<std::string> FormatTokenLifetime(
    const google::protobuf::Duration& lifetime);

// Parses a Jumio tokenLifetime string ("30m", "1d", "600s", "2h"). False when
// it is not <digits><s|m|h|d>.
bool ParseTokenLifetime(absl::string_view text,
                        google::protobuf::Duration* out);

// Whether `url` is acceptable as Jumio callbackUrl: https, a host name (no IP
// address), no port, no user info, no fragment, no whitespace.
bool IsValidCallbackUrl(absl::string_view url);

// Tolerant reader of an account create/update request body into fields 3 to
// 10 of CreateAccountRequest (for UpdateAccountRequest copy them over). For
// round-trip tests and the sandbox; unknown members are ignored. MALFORMED
// only when the body is not a JSON object.
absl::StatusOr<::jumio::gateway::v1::CreateAccountRequest>
ReadAccountRequestBody(absl::string_view body);

// Jumio's account create/update response -> the RPC response. `region` is the
// region id ("amer-1") the call went to; every resource name is built from it.
// Tolerant, except: MALFORMED when the body is not a JSON object, or `account`
// / `account.id` / `workflowExecution` / `workflowExecution.id` are missing or
// of the wrong type (without them the response is useless).
absl::StatusOr<::jumio::gateway::v1::CreateAccountResponse>
ReadCreateAccountResponse(absl::string_view body, absl::string_view region);
absl::StatusOr<::jumio::gateway::v1::UpdateAccountResponse>
ReadUpdateAccountResponse(absl::string_view body, absl::string_view region);

// The account retrieval document. Its shape is undocumented: the id is read
// from `account.id` or a top-level `id`, falling back to `account_id` (the id
// the caller asked for); `href` from `account.href` or a top-level `href`;
// every other member except the workflow execution list is kept in
// `attributes`. MALFORMED only when the body is not a JSON object or an id
// member is present with the wrong type.
absl::StatusOr<::jumio::gateway::v1::Account> ReadAccount(
    absl::string_view body, absl::string_view region,
    absl::string_view account_id);

// The workflow executions listed in the account retrieval document
// (`workflowExecutions`, top level or inside `account`): `id`, `href`,
// `definitionKey`, `status` of each item (an item may also wrap them in a
// `workflowExecution` object). Items without an id are skipped. MALFORMED
// only when the body is not a JSON object or `workflowExecutions` is present
// but not an array.
absl::StatusOr<std::vector<::jumio::gateway::v1::WorkflowExecutionSummary>>
ReadAccountWorkflowExecutions(absl::string_view body, absl::string_view region,
                              absl::string_view account_id);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_ACCOUNT_CODEC_H_
