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

namespace jumio_gateway::client {

namespace pb = ::google::protobuf;

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

}  // namespace jumio_gateway::client
