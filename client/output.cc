#include "client/output.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jumio/gateway/v1/retrieval.pb.h"

namespace jumio_gateway::client {

namespace pb = ::google::protobuf;
namespace v1 = ::jumio::gateway::v1;

namespace {

std::string Spaces(int n) { return std::string(n > 0 ? n : 0, ' '); }

// "CredentialCategory" -> "CREDENTIAL_CATEGORY_": the prefix buf's enum
// naming rule puts on every value.
std::string EnumPrefix(const pb::EnumDescriptor& type) {
  std::string prefix;
  const std::string& name = type.name();
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (i > 0 && absl::ascii_isupper(c) &&
        (absl::ascii_islower(name[i - 1]) ||
         absl::ascii_isdigit(name[i - 1]))) {
      prefix += '_';
    }
    prefix += absl::ascii_toupper(c);
  }
  return prefix + "_";
}

bool IsWellKnownScalarLike(const pb::Descriptor& type) {
  const std::string& name = type.full_name();
  return name == "google.protobuf.Timestamp" ||
         name == "google.protobuf.Duration" ||
         name == "google.protobuf.Struct" || name == "google.protobuf.Value" ||
         name == "google.protobuf.ListValue" ||
         name == "google.protobuf.FieldMask";
}

std::string CompactJson(const pb::Message& message) {
  std::string json;
  pb::util::JsonPrintOptions options;
  options.add_whitespace = false;
  if (!pb::util::MessageToJsonString(message, &json, options).ok()) {
    return message.ShortDebugString();
  }
  return json;
}

std::string WellKnownText(const pb::Message& message) {
  const std::string& name = message.GetDescriptor()->full_name();
  if (name == "google.protobuf.Timestamp") {
    pb::Timestamp timestamp;
    timestamp.CopyFrom(message);
    return pb::util::TimeUtil::ToString(timestamp);
  }
  if (name == "google.protobuf.Duration") {
    pb::Duration duration;
    duration.CopyFrom(message);
    return pb::util::TimeUtil::ToString(duration);
  }
  return CompactJson(message);
}

// Whether field `raw_x` should be left out because its typed sibling `x` says
// the same thing already.
bool RawDuplicatesTypedSibling(const pb::Message& message,
                               const pb::FieldDescriptor& field) {
  if (!absl::StartsWith(field.name(), "raw_")) return false;
  const pb::FieldDescriptor* typed =
      message.GetDescriptor()->FindFieldByName(field.name().substr(4));
  if (typed == nullptr) return false;
  const pb::Reflection& reflection = *message.GetReflection();
  if (typed->is_repeated()) {
    if (reflection.FieldSize(message, typed) == 0) return false;
    if (typed->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      for (int i = 0; i < reflection.FieldSize(message, typed); ++i) {
        if (reflection.GetRepeatedEnumValue(message, typed, i) == 0) {
          return false;
        }
      }
    }
    return true;
  }
  return reflection.HasField(message, typed);
}

std::string ScalarText(const pb::Message& message,
                       const pb::FieldDescriptor& field, int index) {
  const pb::Reflection& r = *message.GetReflection();
  const bool rep = field.is_repeated();
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r.GetRepeatedInt32(message, &field, index)
                              : r.GetInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r.GetRepeatedInt64(message, &field, index)
                              : r.GetInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r.GetRepeatedUInt32(message, &field, index)
                              : r.GetUInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r.GetRepeatedUInt64(message, &field, index)
                              : r.GetUInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r.GetRepeatedDouble(message, &field, index)
                              : r.GetDouble(message, &field));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r.GetRepeatedFloat(message, &field, index)
                              : r.GetFloat(message, &field));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r.GetRepeatedBool(message, &field, index)
                  : r.GetBool(message, &field))
                 ? "true"
                 : "false";
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return ShortEnumName(*field.enum_type(),
                           rep ? r.GetRepeatedEnumValue(message, &field, index)
                               : r.GetEnumValue(message, &field));
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      const std::string value =
          rep ? r.GetRepeatedString(message, &field, index)
              : r.GetString(message, &field);
      if (field.type() == pb::FieldDescriptor::TYPE_BYTES) {
        return absl::StrCat("<", value.size(), " bytes>");
      }
      return value;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

// A map field: one "key: value" line per entry, or "key:" and the value's
// fields indented below it. Entries in key order for stable output.
void AppendMap(const pb::Message& message, const pb::FieldDescriptor& field,
               int indent, std::string* out) {
  const pb::Reflection& r = *message.GetReflection();
  const pb::FieldDescriptor* key_field = field.message_type()->map_key();
  const pb::FieldDescriptor* value_field = field.message_type()->map_value();
  std::vector<std::pair<std::string, const pb::Message*>> entries;
  for (int i = 0; i < r.FieldSize(message, &field); ++i) {
    const pb::Message& entry = r.GetRepeatedMessage(message, &field, i);
    entries.emplace_back(ScalarText(entry, *key_field, -1), &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, entry] : entries) {
    if (value_field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      absl::StrAppend(out, Spaces(indent), key, ": ",
                      ScalarText(*entry, *value_field, -1), "\n");
      continue;
    }
    const pb::Message& value =
        entry->GetReflection()->GetMessage(*entry, value_field);
    if (IsWellKnownScalarLike(*value.GetDescriptor())) {
      absl::StrAppend(out, Spaces(indent), key, ": ", WellKnownText(value),
                      "\n");
    } else {
      absl::StrAppend(out, Spaces(indent), key, ":\n",
                      ToText(value, indent + 2));
    }
  }
}

}  // namespace

std::string ShortEnumName(const pb::EnumDescriptor& type, int number) {
  const pb::EnumValueDescriptor* value = type.FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat(number);
  const std::string prefix = EnumPrefix(type);
  if (absl::StartsWith(value->name(), prefix)) {
    return value->name().substr(prefix.size());
  }
  return value->name();
}

bool IsSecretField(const pb::FieldDescriptor& field) {
  static const auto* const kSecrets = new std::set<std::string>{
      "jumio.gateway.v1.SdkClient.token",
      "jumio.gateway.v1.WebClient.href",
      "jumio.gateway.v1.CredentialApiAccess.token",
      "jumio.gateway.v1.UploadCredentialPartMetadata.credential_token",
  };
  return kSecrets->count(field.full_name()) > 0;
}

int RedactSecrets(pb::Message* message) {
  int redacted = 0;
  const pb::Reflection& r = *message->GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r.ListFields(*message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < r.FieldSize(*message, field); ++i) {
          redacted +=
              RedactSecrets(r.MutableRepeatedMessage(message, field, i));
        }
      } else {
        redacted += RedactSecrets(r.MutableMessage(message, field));
      }
    } else if (!field->is_repeated() &&
               field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
               IsSecretField(*field) && !r.GetString(*message, field).empty()) {
      r.SetString(message, field, kRedacted);
      ++redacted;
    }
  }
  return redacted;
}

std::string ToJson(const pb::Message& message) {
  std::string json;
  pb::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!pb::util::MessageToJsonString(message, &json, options).ok()) {
    // Only an unresolvable Any gets here, and the gateway sends none in
    // responses; fall back to something rather than nothing.
    return absl::StrCat("{\"debugString\": \"",
                        absl::CEscape(message.ShortDebugString()), "\"}\n");
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

std::string ToText(const pb::Message& message, int indent) {
  std::string out;
  const pb::Reflection& r = *message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (RawDuplicatesTypedSibling(message, *field)) continue;
    const std::string label = absl::StrCat(Spaces(indent), field->name(), ":");
    if (field->is_map()) {
      absl::StrAppend(&out, label, "\n");
      AppendMap(message, *field, indent + 2, &out);
      continue;
    }
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        absl::StrAppend(&out, label, " ", ScalarText(message, *field, -1),
                        "\n");
        continue;
      }
      absl::StrAppend(&out, label, "\n");
      for (int i = 0; i < r.FieldSize(message, field); ++i) {
        absl::StrAppend(&out, Spaces(indent + 2), "- ",
                        ScalarText(message, *field, i), "\n");
      }
      continue;
    }
    if (IsWellKnownScalarLike(*field->message_type())) {
      if (!field->is_repeated()) {
        absl::StrAppend(&out, label, " ",
                        WellKnownText(r.GetMessage(message, field)), "\n");
        continue;
      }
      absl::StrAppend(&out, label, "\n");
      for (int i = 0; i < r.FieldSize(message, field); ++i) {
        absl::StrAppend(&out, Spaces(indent + 2), "- ",
                        WellKnownText(r.GetRepeatedMessage(message, field, i)),
                        "\n");
      }
      continue;
    }
    if (!field->is_repeated()) {
      absl::StrAppend(&out, label, "\n",
                      ToText(r.GetMessage(message, field), indent + 2));
      continue;
    }
    absl::StrAppend(&out, label, "\n");
    for (int i = 0; i < r.FieldSize(message, field); ++i) {
      // A list item: its fields indented by four, the first line's indent
      // replaced by "  - " as in YAML.
      std::string item =
          ToText(r.GetRepeatedMessage(message, field, i), indent + 4);
      if (item.empty()) item = absl::StrCat(Spaces(indent + 4), "{}\n");
      item.replace(indent + 2, 2, "- ");
      out += item;
    }
  }
  return out;
}

namespace {

// The short name of a value this API knows, else the text Jumio sent (the
// `raw_x` beside every enum `x`), else `fallback`.
std::string EnumOrRaw(const pb::EnumDescriptor& type, int number,
                      const std::string& raw,
                      const std::string& fallback = "") {
  if (number != 0) return ShortEnumName(type, number);
  return raw.empty() ? fallback : raw;
}

template <typename Part>
std::string ClassifierText(const Part& part) {
  return EnumOrRaw(*v1::Classifier_descriptor(), part.classifier(),
                   part.raw_classifier());
}

template <typename Credential>
std::string CategoryText(const Credential& credential) {
  return EnumOrRaw(*v1::CredentialCategory_descriptor(), credential.category(),
                   credential.raw_category());
}

// Shared by create and update: what to upload next.
template <typename Response>
std::string AcquisitionTextOf(const Response& r) {
  std::string out;
  absl::StrAppend(&out, "account:            ", r.account(), "\n",
                  "workflow execution: ", r.workflow_execution().name(), "\n");
  for (const auto& credential : r.workflow_execution().credentials()) {
    std::vector<std::string> channels;
    for (int c : credential.allowed_channels()) {
      channels.push_back(ShortEnumName(*v1::Channel_descriptor(), c));
    }
    absl::StrAppend(&out, "credential ", CategoryText(credential),
                    " (channels ",
                    channels.empty() ? "none" : absl::StrJoin(channels, ","),
                    "): ", credential.name(), "\n");
    for (const auto& part : credential.api().parts()) {
      absl::StrAppend(&out, "  upload ", ClassifierText(part), ": ",
                      part.name(), "\n");
    }
    if (!credential.api().token().empty()) {
      absl::StrAppend(&out, "  api token: ", credential.api().token(), "\n");
    }
  }
  if (r.has_web_client()) {
    absl::StrAppend(&out, "web client:         ", r.web_client().href(), "\n");
  }
  if (r.has_sdk()) {
    absl::StrAppend(&out, "sdk token:          ", r.sdk().token(), "\n");
  }
  return out;
}

// One line per capability result: its decision and the credentials it is
// about. Every typed capability list carries `decision`; walk them by
// reflection so that a capability added to the proto shows up without a
// change here.
std::string CapabilityLines(const v1::Capabilities& caps) {
  const pb::Reflection& reflection = *caps.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection.ListFields(caps, &fields);
  std::string lines;
  for (const pb::FieldDescriptor* field : fields) {
    if (field->is_map() || !field->is_repeated() ||
        field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    for (int i = 0; i < reflection.FieldSize(caps, field); ++i) {
      const pb::Message& result = reflection.GetRepeatedMessage(caps, field, i);
      const pb::FieldDescriptor* decision_field =
          result.GetDescriptor()->FindFieldByName("decision");
      if (decision_field == nullptr) continue;
      v1::Decision decision;
      decision.CopyFrom(
          result.GetReflection()->GetMessage(result, decision_field));
      // Which credentials the result is about (usability runs once per
      // credential, so the name alone would be ambiguous).
      std::vector<std::string> about;
      const pb::FieldDescriptor* credentials_field =
          result.GetDescriptor()->FindFieldByName("credentials");
      if (credentials_field != nullptr && credentials_field->is_repeated() &&
          credentials_field->message_type() ==
              v1::CapabilityCredential::descriptor()) {
        for (int j = 0;
             j < result.GetReflection()->FieldSize(result, credentials_field);
             ++j) {
          v1::CapabilityCredential credential;
          credential.CopyFrom(result.GetReflection()->GetRepeatedMessage(
              result, credentials_field, j));
          about.push_back(CategoryText(credential));
        }
      }
      absl::StrAppend(
          &lines, "  ", field->name(),
          std::string(field->name().size() < 30 ? 30 - field->name().size() : 1,
                      ' '),
          DecisionText(decision),
          about.empty() ? std::string()
                        : absl::StrCat("  [", absl::StrJoin(about, ","), "]"),
          "\n");
    }
  }
  for (const auto& [name, results] : caps.other()) {
    absl::StrAppend(&lines, "  ", name, " (", results.results_size(),
                    " results, not modelled)\n");
  }
  return lines;
}

}  // namespace

std::string DecisionText(const v1::Decision& decision) {
  const std::string type = EnumOrRaw(*v1::DecisionType_descriptor(),
                                     decision.type(), decision.raw_type());
  const std::string label = EnumOrRaw(*v1::DecisionLabel_descriptor(),
                                      decision.label(), decision.raw_label());
  std::string text = type.empty() ? std::string("(none)") : type;
  if (!label.empty()) absl::StrAppend(&text, " (", label, ")");
  if (decision.has_risk_score()) {
    absl::StrAppend(&text, ", risk score ", decision.risk_score());
  }
  return text;
}

std::string StatusText(v1::WorkflowStatus status, const std::string& raw) {
  return EnumOrRaw(*v1::WorkflowStatus_descriptor(), status, raw,
                   "UNSPECIFIED");
}

std::string AcquisitionText(const v1::CreateAccountResponse& response) {
  return AcquisitionTextOf(response);
}

std::string AcquisitionText(const v1::UpdateAccountResponse& response) {
  return AcquisitionTextOf(response);
}

std::string WorkflowExecutionText(const v1::GetWorkflowExecutionResponse& r) {
  const v1::WorkflowExecution& w = r.workflow_execution();
  std::string out;
  absl::StrAppend(
      &out, "workflow execution: ", w.name(), "\n",
      "status:             ", StatusText(w.status(), w.raw_status()), "\n");
  if (w.definition_key() != 0) {
    absl::StrAppend(&out, "definition key:     ", w.definition_key(), "\n");
  }
  if (!w.user_reference().empty()) {
    absl::StrAppend(&out, "user reference:     ", w.user_reference(), "\n");
  }
  if (!w.customer_internal_reference().empty()) {
    absl::StrAppend(
        &out, "customer reference: ", w.customer_internal_reference(), "\n");
  }
  if (w.has_decision()) {
    absl::StrAppend(&out, "decision:           ", DecisionText(w.decision()),
                    "\n");
  }
  const std::string lines = CapabilityLines(w.capabilities());
  if (!lines.empty()) absl::StrAppend(&out, "capabilities:\n", lines);
  for (const v1::ExtractionResult& extraction : w.capabilities().extraction()) {
    if (!extraction.has_data()) continue;
    absl::StrAppend(&out, "extraction:\n", ToText(extraction.data(), 2));
  }
  bool parts_header = false;
  for (const v1::WorkflowCredential& credential : w.credentials()) {
    for (const v1::CredentialPart& part : credential.parts()) {
      if (!parts_header) absl::StrAppend(&out, "parts:\n");
      parts_header = true;
      absl::StrAppend(&out, "  ", ClassifierText(part), ": ", part.name(),
                      "\n");
    }
  }
  if (w.has_raw()) absl::StrAppend(&out, "raw:\n", ToText(w.raw(), 2));
  return out;
}

std::string SummaryLine(const v1::WorkflowExecutionSummary& s) {
  return absl::StrCat(
      s.name(), "  ", StatusText(s.status(), s.raw_status()),
      s.definition_key() != 0
          ? absl::StrCat("  (workflow ", s.definition_key(), ")")
          : std::string(),
      "\n");
}

std::string WorkflowStatusText(
    const v1::GetWorkflowExecutionStatusResponse& response) {
  return SummaryLine(response.workflow_execution());
}

std::string StepsText(const v1::ListWorkflowExecutionStepsResponse& r) {
  std::string out;
  for (const v1::WorkflowStep& step : r.steps()) {
    absl::StrAppend(&out,
                    EnumOrRaw(*v1::WorkflowStepName_descriptor(),
                              step.step_name(), step.raw_step_name()),
                    "  ", DecisionText(step.decision()), "  capabilities ",
                    absl::StrJoin(step.capability_ids(), ","), "\n");
  }
  if (r.steps().empty()) out = "no steps\n";
  return out + NextPageText(r.next_page_token());
}

std::string WorkflowListText(const v1::ListWorkflowExecutionsResponse& r) {
  std::string out;
  for (const auto& w : r.workflow_executions()) out += SummaryLine(w);
  if (r.workflow_executions().empty()) out = "no workflow executions\n";
  return out + NextPageText(r.next_page_token());
}

// "amer-1", as resource names and flags spell regions.
std::string RegionText(v1::Region region) {
  std::string text =
      absl::AsciiStrToLower(ShortEnumName(*v1::Region_descriptor(), region));
  std::replace(text.begin(), text.end(), '_', '-');
  return text;
}

std::string CallbackLine(const v1::Callback& c) {
  // An account's DELETED event names no workflow execution: name the account.
  const std::string& resource = c.workflow_execution().name().empty()
                                    ? c.workflow_execution().account()
                                    : c.workflow_execution().name();
  std::string line = absl::StrCat(
      c.cursor(), "  ", RegionText(c.region()), "  ", resource, "  ",
      StatusText(c.workflow_execution().status(),
                 c.workflow_execution().raw_status()));
  if (c.enrichment().has_decision()) {
    absl::StrAppend(&line, "  ", DecisionText(c.enrichment().decision()));
  }
  // Jumio's callbacks are the rule; an event the gateway's reconciler wrote
  // says so (its callback was lost or late).
  if (c.source() == v1::CALLBACK_SOURCE_RECONCILED) {
    absl::StrAppend(&line, "  (reconciled)");
  }
  return line + "\n";
}

std::string UnreadableLine(const v1::UnreadableCallback& u) {
  return absl::StrCat(u.cursor(), "  UNREADABLE  ", u.reason(), "\n");
}

std::string CallbacksText(const v1::ListCallbacksResponse& r) {
  std::string out;
  for (const v1::Callback& c : r.callbacks()) out += CallbackLine(c);
  for (const v1::UnreadableCallback& u : r.unreadable_callbacks()) {
    out += UnreadableLine(u);
  }
  if (r.callbacks().empty() && r.unreadable_callbacks().empty()) {
    out = "no callbacks\n";
  }
  return out + NextPageText(r.next_page_token());
}

std::string HeartbeatLine(const v1::WatchHeartbeat& heartbeat) {
  return absl::StrCat("heartbeat ",
                      pb::util::TimeUtil::ToString(heartbeat.send_time()),
                      " scanned ", heartbeat.scanned_cursor(), "\n");
}

std::string AcknowledgedText(const v1::AcknowledgeCallbacksRequest& request) {
  return absl::StrCat("acknowledged ", request.cursors_size(),
                      " callbacks for ", request.subscription(), "\n");
}

std::string PlatformStatusText(const v1::GetPlatformStatusResponse& r) {
  std::string out;
  for (const v1::RegionPlatformStatus& s : r.statuses()) {
    absl::StrAppend(&out, RegionText(s.region()), "  ",
                    EnumOrRaw(*v1::HealthStatus_descriptor(), s.status(),
                              s.raw_status(), "UNKNOWN"));
    for (const auto& [service, health] : s.services().raw()) {
      absl::StrAppend(&out, "  ", service, "=", health);
    }
    // The gateway's own breakers, where one is not closed.
    for (const v1::UpstreamCircuit& c : s.circuits()) {
      if (c.state() == v1::CIRCUIT_STATE_CLOSED) continue;
      absl::StrAppend(&out, "  circuit ", c.host(), "=",
                      ShortEnumName(*v1::CircuitState_descriptor(), c.state()));
    }
    if (s.error_reason() != v1::ERROR_REASON_UNSPECIFIED) {
      absl::StrAppend(
          &out, "  error ",
          ShortEnumName(*v1::ErrorReason_descriptor(), s.error_reason()), ": ",
          s.error_message());
    }
    out += "\n";
  }
  return out;
}

std::string NextPageText(const std::string& token) {
  return token.empty() ? std::string()
                       : absl::StrCat("next page: --page_token=", token, "\n");
}

std::string DeletedText(const std::string& name) {
  return absl::StrCat("deleted ", name, "\n");
}

std::string FinalizedText(const std::string& name) {
  return absl::StrCat("finalized ", name,
                      "\nprocessing started; follow it with: jumioctl "
                      "workflow wait ",
                      name, "\n");
}

std::string UploadedText(const std::string& path, const std::string& part,
                         const v1::UploadCredentialPartResponse& r) {
  return absl::StrCat("uploaded ", path.empty() ? "prepared data" : path, " (",
                      r.size_bytes(), " bytes, ", r.content_type(), ") to ",
                      part, "\n");
}

std::string DownloadedText(int64_t written, const std::string& path,
                           const v1::CredentialPartMetadata& metadata) {
  return absl::StrCat("wrote ", written, " bytes (", metadata.content_type(),
                      ") to ", path, "\n");
}

}  // namespace jumio_gateway::client
