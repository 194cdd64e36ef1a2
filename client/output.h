// Rendering gateway messages for people and for programs.
//
// Secrets (the Web client link, SDK and credential API tokens) are replaced by
// "REDACTED" in both forms unless the caller asks for them, because terminal
// output ends up in scrollback, logs and tickets. jumioctl's --show_secrets
// turns redaction off.
#ifndef JUMIO_GATEWAY_CLIENT_OUTPUT_H_
#define JUMIO_GATEWAY_CLIENT_OUTPUT_H_

#include <google/protobuf/message.h>

#include <string>

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

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_OUTPUT_H_
