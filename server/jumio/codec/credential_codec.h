// Credential parts: the prepared data body (writer), the part upload response
// (reader), and the acquisition handles (`api`,
// `workflowExecution.credentials`) that account create/update and part upload
// responses share.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CREDENTIAL_CODEC_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CREDENTIAL_CODEC_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/common.pb.h"
#include "jumio/gateway/v1/credential.pb.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::codec {

// PreparedData -> the JSON body of POST .../parts/PREPARED_DATA (sample
// prepared_data_upload_request_10005.json). Empty fields are omitted;
// `address.formatted_address` is never sent; `additional_fields` are merged
// in. INVALID_ARGUMENT when an additional field collides with a typed one, a
// string is not UTF-8, or a Struct number is not finite. Values are otherwise
// forwarded verbatim (Jumio documents no per-field limits); the body size
// limit (1 MiB by default, configurable) is the upload path's job.
absl::StatusOr<std::string> WritePreparedData(
    const ::jumio::gateway::v1::PreparedData& data);

// Tolerant inverse of WritePreparedData (members it does not model go to
// `additional_fields`). For round-trip tests and the sandbox. MALFORMED only
// when the body is not a JSON object.
absl::StatusOr<::jumio::gateway::v1::PreparedData> ReadPreparedData(
    absl::string_view body);

// Jumio's response to a part upload (POST/PUT .../parts/{classifier}) ->
// UploadCredentialPartResponse. `region` is the region id ("amer-1");
// `credential_id` is the credential uploaded to, used to name the parts in
// `api.parts` (Jumio's URLs are not trusted for that: its own samples mix ids
// up). `part`, `size_bytes` and `content_type` are left for the caller, which
// knows them. MALFORMED when the body is not a JSON object or `account`,
// `account.id`, `workflowExecution`, `workflowExecution.id`, `api` have the
// wrong type; anything missing is left empty.
absl::StatusOr<::jumio::gateway::v1::UploadCredentialPartResponse>
ReadPartUploadResponse(absl::string_view body, absl::string_view region,
                       absl::string_view credential_id);

// Reads an `api` object (token, parts, workflowExecution) into `out`. Part
// names are built from region/account/workflow_execution and `credential_id`,
// or, when `credential_id` is empty, from the credential id in each part URL.
// Tolerant: members of the wrong type are skipped.
void ReadCredentialApiAccess(const JsonValue& api, absl::string_view region,
                             absl::string_view account,
                             absl::string_view workflow_execution,
                             absl::string_view credential_id,
                             ::jumio::gateway::v1::CredentialApiAccess* out);

// Reads a `workflowExecution` object of an acquisition response (account
// create/update, part upload) into `out`: id, name and `credentials`.
// MALFORMED when `id` is present but not a string, or missing and `require_id`.
absl::Status ReadAcquisitionWorkflowExecution(
    const JsonValue& workflow_execution, absl::string_view what,
    absl::string_view region, absl::string_view account, bool require_id,
    ::jumio::gateway::v1::AcquisitionWorkflowExecution* out);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_CREDENTIAL_CODEC_H_
