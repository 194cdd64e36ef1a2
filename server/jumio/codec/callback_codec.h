// Callbacks: the body Jumio POSTs to the callback URL, and the PII-free
// enrichment the gateway attaches from the workflow details.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CALLBACK_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CALLBACK_CODEC_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "jumio/gateway/v1/common.pb.h"
#include "jumio/gateway/v1/retrieval.pb.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::codec {

// Jumio's callback body -> Callback with `region` (from the region in the
// retrieval URLs, else `default_region`, the receiver endpoint's configured
// region), `sent_time`, `user_reference`, `workflow_execution` (names built
// from the region) and `raw_body` (the whole body, verbatim). `cursor` and
// `receive_time` are the callback log's to fill. Deliberately lenient,
// because a callback the gateway rejects is lost (Jumio does not retry):
// MALFORMED only when the body is not a JSON object or `workflowExecution`,
// `account` or their `id` are present with the wrong type; missing members
// leave fields empty.
absl::StatusOr<::jumio::gateway::v1::Callback> ReadCallback(
    absl::string_view body, ::jumio::gateway::v1::Region default_region);
// The same for a body the caller has already parsed (the callback receiver
// checks the document before storing it, and should not parse it twice).
absl::StatusOr<::jumio::gateway::v1::Callback> ReadCallbackDocument(
    const JsonValue& doc, ::jumio::gateway::v1::Region default_region);

// The PII-free summary of processed results attached to a callback: the
// overall decision, each capability execution's decision (no data), and
// `complete_time`. `enrich_time` is the caller's.
::jumio::gateway::v1::CallbackEnrichment BuildCallbackEnrichment(
    const ::jumio::gateway::v1::WorkflowExecution& details);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CALLBACK_CODEC_H_
