// Rendering gateway messages for people and for programs.
//
// Secrets (the Web client link, SDK and credential API tokens) are replaced by
// "REDACTED" in both forms unless the caller asks for them, because terminal
// output ends up in scrollback, logs and tickets. jumioctl's --show_secrets
// turns redaction off.
#ifndef JUMIO_GATEWAY_CLIENT_OUTPUT_H_
#define JUMIO_GATEWAY_CLIENT_OUTPUT_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "jumio/gateway/v1/credential.pb.h"
#include "jumio/gateway/v1/platform.pb.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"

namespace jumio_gateway::client {

inline constexpr char kRedacted[] = "REDACTED";

// True for the string fields that hold a secret (SdkClient.token,
// WebClient.href, CredentialApiAccess.token,
// UploadCredentialPartMetadata.credential_token).
bool IsSecretField(const google::protobuf::FieldDescriptor& field);

// Replaces every non-empty secret field in `message` (recursively) with
// kRedacted. Returns how many it replaced.
int RedactSecrets(google::protobuf::Message* message);

// Protobuf JSON (lowerCamelCase names, enums by name, indented), ending in
// '\n'.
std::string ToJson(const google::protobuf::Message& message);

// Indented "field: value" lines in field order for the fields that are set:
// enum values without their type prefix (CREDENTIAL_CATEGORY_ID -> ID), a
// `raw_x` string only when its typed sibling `x` is unset (Jumio sent a value
// this API does not know), timestamps in RFC 3339, structs as compact JSON,
// bytes as a count. `indent` spaces precede every line.
std::string ToText(const google::protobuf::Message& message, int indent = 0);

// The value name of an enum without its type prefix.
std::string ShortEnumName(const google::protobuf::EnumDescriptor& type,
                          int number);

// ---------------------------------------------------------------------------
// jumioctl's text for particular messages, where the generic ToText would
// bury what a person looks for. Every function returns whole lines, each
// ending in '\n', unless it says otherwise.

// "REJECTED (BAD_QUALITY), risk score 90"; "(none)" without a type. One line
// without its '\n'.
std::string DecisionText(const jumio::gateway::v1::Decision& decision);

// The short status name, else Jumio's raw text, else "UNSPECIFIED". No '\n'.
std::string StatusText(jumio::gateway::v1::WorkflowStatus status,
                       const std::string& raw);

// Create and update: the account, the workflow execution, and per credential
// what to upload where (and the web link and SDK token when there are).
std::string AcquisitionText(
    const jumio::gateway::v1::CreateAccountResponse& response);
std::string AcquisitionText(
    const jumio::gateway::v1::UpdateAccountResponse& response);

// Status, definition, references, decision, one line per capability result,
// extraction, parts, and `raw` with --view=full.
std::string WorkflowExecutionText(
    const jumio::gateway::v1::GetWorkflowExecutionResponse& response);

// "NAME  STATUS  (workflow KEY)".
std::string SummaryLine(
    const jumio::gateway::v1::WorkflowExecutionSummary& summary);
std::string WorkflowStatusText(
    const jumio::gateway::v1::GetWorkflowExecutionStatusResponse& response);
std::string StepsText(
    const jumio::gateway::v1::ListWorkflowExecutionStepsResponse& response);
std::string WorkflowListText(
    const jumio::gateway::v1::ListWorkflowExecutionsResponse& response);

// "CURSOR  REGION  WORKFLOW_EXECUTION  STATUS  [DECISION]".
std::string CallbackLine(const jumio::gateway::v1::Callback& callback);
// A stored entry the gateway cannot decode: its cursor and why.
std::string UnreadableLine(
    const jumio::gateway::v1::UnreadableCallback& unreadable);
std::string CallbacksText(
    const jumio::gateway::v1::ListCallbacksResponse& response);
std::string HeartbeatLine(const jumio::gateway::v1::WatchHeartbeat& heartbeat);
std::string AcknowledgedText(
    const jumio::gateway::v1::AcknowledgeCallbacksRequest& request);

// One line per region: its health, per service health and any error.
std::string PlatformStatusText(
    const jumio::gateway::v1::GetPlatformStatusResponse& response);

// The hint that follows a page ("next page: --page_token=..."); empty on the
// last page.
std::string NextPageText(const std::string& token);

// Confirmations of calls whose responses say little.
std::string DeletedText(const std::string& name);
std::string FinalizedText(const std::string& name);
// `path` empty: the part was sent as prepared data in the metadata.
std::string UploadedText(
    const std::string& path, const std::string& part,
    const jumio::gateway::v1::UploadCredentialPartResponse& response);
std::string DownloadedText(
    int64_t written, const std::string& path,
    const jumio::gateway::v1::CredentialPartMetadata& metadata);

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_OUTPUT_H_
