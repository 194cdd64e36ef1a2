// Workflow executions: the finalize response, and the retrieval API's status,
// details and steps documents (tolerant readers).
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_RETRIEVAL_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_RETRIEVAL_CODEC_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/retrieval.pb.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::codec {

// Jumio's finalize response (PUT .../workflow-executions/{w}) -> the RPC
// response. `region` is the region id ("amer-1"). MALFORMED when the body is
// not a JSON object or `account`/`account.id`/`workflowExecution`/
// `workflowExecution.id` have the wrong type; missing ones stay empty (the
// caller knows which execution it finalized).
absl::StatusOr<::jumio::gateway::v1::FinalizeWorkflowExecutionResponse>
ReadFinalizeResponse(absl::string_view body, absl::string_view region);

// Jumio's status response (GET .../workflow-executions/{w}/status).
// MALFORMED when the body is not a JSON object, `workflowExecution` or
// `workflowExecution.status` is missing or has the wrong type, or an id has
// the wrong type. An unknown status is WORKFLOW_STATUS_UNSPECIFIED with
// `raw_status` kept.
absl::StatusOr<::jumio::gateway::v1::WorkflowExecutionSummary>
ReadWorkflowExecutionStatus(absl::string_view body, absl::string_view region);

// Jumio's workflow details (GET .../workflow-executions/{w}) -> the typed
// WorkflowExecution: every documented capability typed, unknown capabilities
// in `capabilities.other`, unknown data members in `unmodeled_data`, unknown
// top-level members in the WorkflowExecution's own `unmodeled_data`,
// capability `credentials` as object or array, `category` or `categrory`.
// `include_raw` (WORKFLOW_EXECUTION_VIEW_FULL) also keeps the whole document
// in `raw`. MALFORMED when the body is not a JSON object, `workflow` is
// missing or not an object, or `workflow.id`/`account`/`account.id` have the
// wrong type.
absl::StatusOr<::jumio::gateway::v1::WorkflowExecution> ReadWorkflowExecution(
    absl::string_view body, absl::string_view region, bool include_raw);

// Jumio's steps response (GET .../workflow-executions/{w}/steps), in Jumio's
// order. MALFORMED when the body is not a JSON object or `steps` is missing or
// not an array; non-object items are skipped.
absl::StatusOr<std::vector<::jumio::gateway::v1::WorkflowStep>>
ReadWorkflowSteps(absl::string_view body);

// Reads a `decision` object: type, details.label, risk.score (tolerant).
void ReadDecision(const JsonValue& decision,
                  ::jumio::gateway::v1::Decision* out);

// Reads a `workflowExecution` object of a status response or callback
// ({id, href, definitionKey, status}) and, when not null, its sibling
// `account` object ({id, href}) into `out`, building names from `region`.
// Tolerant: members of the wrong type are left empty.
void ReadWorkflowExecutionSummary(
    const JsonValue& workflow_execution, const JsonValue* account,
    absl::string_view region,
    ::jumio::gateway::v1::WorkflowExecutionSummary* out);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_RETRIEVAL_CODEC_H_
