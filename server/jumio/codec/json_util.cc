#include "server/jumio/codec/json_util.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "server/core/json.h"
#include "server/errors/errors.h"

namespace jumio_gateway::codec {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::jumio::gateway::v1::Region;

// The enum's naming prefix, derived from its zero value ("FOO_UNSPECIFIED"
// -> "FOO_"), so that no table of prefixes has to be kept in step with the
// protos.
std::string EnumPrefix(const google::protobuf::EnumDescriptor* descriptor) {
  const google::protobuf::EnumValueDescriptor* zero =
      descriptor->FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return std::string(name);
}

void CheckValue(const Value& value, const std::string& field, int depth,
                Violations* violations);

void CheckStructAt(const Struct& value, const std::string& field, int depth,
                   Violations* violations) {
  if (depth > kMaxJsonDepth) {
    violations->Add(field, absl::StrCat("must not be nested deeper than ",
                                        kMaxJsonDepth, " levels"));
    return;
  }
  for (const auto& [key, member] : value.fields()) {
    std::string path = absl::StrCat(field, ".", key);
    if (!IsValidUtf8(key)) {
      violations->Add(field, "keys must be valid UTF-8");
      continue;
    }
    CheckValue(member, path, depth + 1, violations);
  }
}

void CheckValue(const Value& value, const std::string& field, int depth,
                Violations* violations) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      if (!std::isfinite(value.number_value()))
        violations->Add(field, "must be a finite number");
      break;
    case Value::kStringValue:
      if (!IsValidUtf8(value.string_value()))
        violations->Add(field, "must be valid UTF-8");
      break;
    case Value::kStructValue:
      CheckStructAt(value.struct_value(), field, depth, violations);
      break;
    case Value::kListValue:
      if (depth > kMaxJsonDepth) {
        violations->Add(field, absl::StrCat("must not be nested deeper than ",
                                            kMaxJsonDepth, " levels"));
        break;
      }
      for (int i = 0; i < value.list_value().values_size(); ++i) {
        CheckValue(value.list_value().values(i),
                   absl::StrCat(field, "[", i, "]"), depth + 1, violations);
      }
      break;
    case Value::kNullValue:
    case Value::kBoolValue:
      break;
    case Value::KIND_NOT_SET:
      violations->Add(field, "must have a value");
      break;
  }
}

}  // namespace

absl::Status Malformed(absl::string_view what, absl::string_view detail) {
  return errors::Error(
      absl::StatusCode::kInternal,
      ::jumio::gateway::v1::ERROR_REASON_UPSTREAM_MALFORMED,
      absl::StrCat("Jumio ", what, " cannot be read: ", detail));
}

namespace {

absl::Status TooDeep(absl::string_view what) {
  return Malformed(what,
                   absl::StrCat("JSON nesting deeper than ", kMaxJsonDepth));
}

absl::Status TooDeepForStruct(absl::string_view what) {
  return Malformed(
      what, absl::StrCat("JSON nesting deeper than ", kMaxStructJsonDepth,
                         " levels cannot be carried in a Struct"));
}

}  // namespace

absl::Status ParseJsonObject(absl::string_view body, absl::string_view what,
                             rapidjson::Document* doc) {
  // The project's bounded parser: iterative, depth-limited, UTF-8 checked.
  if (absl::Status parsed = core::ParseJson(body, doc); !parsed.ok()) {
    return Malformed(what,
                     absl::StrCat("not valid JSON (", parsed.message(), ")"));
  }
  if (!doc->IsObject()) return Malformed(what, "the body is not a JSON object");
  return absl::OkStatus();
}

const JsonValue* Member(const JsonValue& object, absl::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(
      JsonValue(rapidjson::StringRef(name.data(), name.size())));
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string StringMember(const JsonValue& object, absl::string_view name) {
  const JsonValue* value = Member(object, name);
  if (value == nullptr || !value->IsString()) return "";
  return std::string(value->GetString(), value->GetStringLength());
}

absl::Status RequiredString(const JsonValue& object, absl::string_view name,
                            bool required, absl::string_view what,
                            absl::string_view path, std::string* out) {
  out->clear();
  const JsonValue* value = Member(object, name);
  if (value == nullptr) {
    if (required)
      return Malformed(what, absl::StrCat("'", path, "' is missing"));
    return absl::OkStatus();
  }
  if (!value->IsString())
    return Malformed(what, absl::StrCat("'", path, "' is not a string"));
  out->assign(value->GetString(), value->GetStringLength());
  return absl::OkStatus();
}

absl::Status RequiredObject(const JsonValue& object, absl::string_view name,
                            bool required, absl::string_view what,
                            absl::string_view path, const JsonValue** out) {
  *out = nullptr;
  const JsonValue* value = Member(object, name);
  if (value == nullptr) {
    if (required)
      return Malformed(what, absl::StrCat("'", path, "' is missing"));
    return absl::OkStatus();
  }
  if (!value->IsObject())
    return Malformed(what, absl::StrCat("'", path, "' is not an object"));
  *out = value;
  return absl::OkStatus();
}

absl::Status JsonToValue(const JsonValue& json, absl::string_view what,
                         Value* out, int depth) {
  if (depth >= kMaxStructJsonDepth) return TooDeepForStruct(what);
  switch (json.GetType()) {
    case rapidjson::kNullType:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case rapidjson::kFalseType:
      out->set_bool_value(false);
      break;
    case rapidjson::kTrueType:
      out->set_bool_value(true);
      break;
    case rapidjson::kNumberType:
      out->set_number_value(json.GetDouble());
      break;
    case rapidjson::kStringType:
      out->set_string_value(
          std::string(json.GetString(), json.GetStringLength()));
      break;
    case rapidjson::kObjectType:
      return JsonToStruct(json, what, out->mutable_struct_value(), depth + 1);
    case rapidjson::kArrayType: {
      google::protobuf::ListValue* list = out->mutable_list_value();
      for (const JsonValue& item : json.GetArray()) {
        absl::Status status =
            JsonToValue(item, what, list->add_values(), depth + 1);
        if (!status.ok()) return status;
      }
      break;
    }
  }
  return absl::OkStatus();
}

absl::Status JsonToStruct(const JsonValue& object, absl::string_view what,
                          Struct* out, int depth) {
  if (depth >= kMaxStructJsonDepth) return TooDeepForStruct(what);
  if (!object.IsObject()) return absl::OkStatus();
  for (const auto& member : object.GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    absl::Status status =
        JsonToValue(member.value, what, &(*out->mutable_fields())[key], depth);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// Jumio member names that differ from the proto field's JSON name.
const FieldDescriptor* FindFieldForMember(
    const google::protobuf::Descriptor* descriptor, absl::string_view member) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    // raw_* siblings are filled with their enum, the Struct catch-alls are
    // not Jumio members.
    if (absl::StartsWith(field->name(), "raw_") ||
        field->name() == "unmodeled_data" ||
        field->name() == "additional_fields") {
      continue;
    }
    if (field->json_name() == member) return field;
  }
  // WatchlistScreeningData.search_time is Jumio's `searchDate`.
  if (member == "searchDate") return descriptor->FindFieldByName("search_time");
  return nullptr;
}

bool ParseIntegerJson(const JsonValue& json, int64_t* out) {
  if (json.IsInt64()) {
    *out = json.GetInt64();
    return true;
  }
  if (json.IsDouble()) {
    const double d = json.GetDouble();
    if (std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  if (json.IsString()) {
    return absl::SimpleAtoi(
        absl::string_view(json.GetString(), json.GetStringLength()), out);
  }
  return false;
}

// Sets a singular field from `json`. False when the JSON type does not fit.
bool SetSingular(const JsonValue& json, absl::string_view what,
                 Message* message, const FieldDescriptor* field, int depth,
                 bool* nested_unmodeled, absl::Status* status) {
  const Reflection* reflection = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (!json.IsString()) return false;
      reflection->SetString(
          message, field,
          std::string(json.GetString(), json.GetStringLength()));
      return true;
    case FieldDescriptor::CPPTYPE_INT32: {
      int64_t v;
      if (!ParseIntegerJson(json, &v) || v < INT32_MIN || v > INT32_MAX)
        return false;
      reflection->SetInt32(message, field, static_cast<int32_t>(v));
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!ParseIntegerJson(json, &v)) return false;
      reflection->SetInt64(message, field, v);
      return true;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (!json.IsNumber()) return false;
      reflection->SetDouble(message, field, json.GetDouble());
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!json.IsBool()) return false;
      reflection->SetBool(message, field, json.GetBool());
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!json.IsString()) return false;
      absl::string_view raw(json.GetString(), json.GetStringLength());
      reflection->SetEnumValue(message, field,
                               EnumNumber(field->enum_type(), raw));
      const FieldDescriptor* raw_field =
          message->GetDescriptor()->FindFieldByName(
              absl::StrCat("raw_", field->name()));
      if (raw_field != nullptr &&
          raw_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        reflection->SetString(message, raw_field, std::string(raw));
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const google::protobuf::Descriptor* type = field->message_type();
      if (type->full_name() == "google.protobuf.Timestamp") {
        google::protobuf::Timestamp time;
        if (!json.IsString() ||
            !ParseJumioTime(
                absl::string_view(json.GetString(), json.GetStringLength()),
                &time)) {
          return false;
        }
        reflection->MutableMessage(message, field)->CopyFrom(time);
        return true;
      }
      if (type->full_name() == "google.protobuf.Struct") {
        if (!json.IsObject()) return false;
        *status = JsonToStruct(json, what,
                               static_cast<google::protobuf::Struct*>(
                                   reflection->MutableMessage(message, field)),
                               depth + 1);
        return true;
      }
      if (json.IsString()) {
        const FieldDescriptor* formatted =
            type->FindFieldByName("formatted_address");
        if (formatted == nullptr) return false;
        Message* sub = reflection->MutableMessage(message, field);
        sub->GetReflection()->SetString(
            sub, formatted,
            std::string(json.GetString(), json.GetStringLength()));
        return true;
      }
      if (!json.IsObject()) return false;
      google::protobuf::Struct sub_unmodeled;
      *status = ReadFieldsByJsonName(json, what,
                                     reflection->MutableMessage(message, field),
                                     &sub_unmodeled, depth + 1);
      *nested_unmodeled = sub_unmodeled.fields_size() > 0;
      return true;
    }
    default:
      return false;
  }
}

bool AddRepeated(const JsonValue& json, absl::string_view what,
                 Message* message, const FieldDescriptor* field, int depth,
                 absl::Status* status) {
  const Reflection* reflection = message->GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      field->message_type()->full_name() == "google.protobuf.Value") {
    // Documented only as "array": keep each item verbatim; a lone value is
    // treated as a one-item array.
    if (json.IsArray()) {
      for (const JsonValue& item : json.GetArray()) {
        *status = JsonToValue(item, what,
                              static_cast<google::protobuf::Value*>(
                                  reflection->AddMessage(message, field)),
                              depth + 1);
        if (!status->ok()) return true;
      }
    } else {
      *status = JsonToValue(json, what,
                            static_cast<google::protobuf::Value*>(
                                reflection->AddMessage(message, field)),
                            depth + 1);
    }
    return true;
  }
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING || !json.IsArray())
    return false;
  for (const JsonValue& item : json.GetArray()) {
    if (!item.IsString()) return false;
  }
  for (const JsonValue& item : json.GetArray()) {
    reflection->AddString(
        message, field, std::string(item.GetString(), item.GetStringLength()));
  }
  return true;
}

}  // namespace

absl::Status ReadFieldsByJsonName(const JsonValue& object,
                                  absl::string_view what, Message* message,
                                  google::protobuf::Struct* unmodeled,
                                  int depth) {
  if (depth > kMaxJsonDepth) return TooDeep(what);
  if (!object.IsObject()) return absl::OkStatus();
  const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
  for (const auto& member : object.GetObject()) {
    absl::string_view name(member.name.GetString(),
                           member.name.GetStringLength());
    if (member.value.IsNull()) continue;
    const FieldDescriptor* field = FindFieldForMember(descriptor, name);
    bool fits = false;
    bool nested_unmodeled = false;
    absl::Status status;
    if (field != nullptr) {
      fits =
          field->is_repeated()
              ? AddRepeated(member.value, what, message, field, depth, &status)
              : SetSingular(member.value, what, message, field, depth,
                            &nested_unmodeled, &status);
    }
    if (!status.ok()) return status;
    if ((!fits || nested_unmodeled) && unmodeled != nullptr) {
      status = JsonToValue(member.value, what,
                           &(*unmodeled->mutable_fields())[std::string(name)],
                           depth + 1);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

bool ParseJumioTime(absl::string_view text, google::protobuf::Timestamp* out) {
  if (text.empty()) return false;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return false;
  const int64_t seconds = absl::ToUnixSeconds(time);
  // google.protobuf.Timestamp's valid range: 0001-01-01 to 9999-12-31.
  if (seconds < -62135596800LL || seconds > 253402300799LL) return false;
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return true;
}

bool TimeMember(const JsonValue& object, absl::string_view name,
                google::protobuf::Timestamp* out) {
  return ParseJumioTime(StringMember(object, name), out);
}

int EnumNumber(const google::protobuf::EnumDescriptor* descriptor,
               absl::string_view raw) {
  if (raw.empty()) return 0;
  std::string name = absl::StrCat(EnumPrefix(descriptor), raw);
  absl::AsciiStrToUpper(&name);
  // The reference manual lists extraction subType "UNKOWN"; Jumio may send
  // either spelling.
  if (name == "ID_SUB_TYPE_UNKOWN") name = "ID_SUB_TYPE_UNKNOWN";
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByName(name);
  return value == nullptr ? 0 : value->number();
}

std::string EnumJumioName(const google::protobuf::EnumDescriptor* descriptor,
                          int number) {
  if (number == 0) return "";
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByNumber(number);
  if (value == nullptr) return "";
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, EnumPrefix(descriptor));
  return std::string(name);
}

std::string RegionFromUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://")) {
    if (!absl::ConsumePrefix(&rest, "http://")) return "";
  }
  const size_t host_end = rest.find_first_of("/?#");
  absl::string_view host = rest.substr(0, rest.find_first_of("/?#:"));
  std::vector<absl::string_view> labels = absl::StrSplit(host, '.');
  // <kind>.<region>.jumio.ai; a customer prefix may precede the kind
  // ("mycompany.web.amer-1.jumio.ai").
  const size_t n = labels.size();
  if (n >= 4 && labels[n - 2] == "jumio" && labels[n - 1] == "ai") {
    return core::IsKnownRegion(labels[n - 3]) ? std::string(labels[n - 3]) : "";
  }
  // Otherwise the path-prefix layout of jumio-sandbox and of base URLs built
  // from a
  // "{region}/{kind}" url template: http://host:port/<region>/<kind>/api/v1/...
  if (host_end == absl::string_view::npos || rest[host_end] != '/') return "";
  std::vector<absl::string_view> path =
      absl::StrSplit(rest.substr(host_end + 1), '/');
  if (path.size() < 2) return "";
  static constexpr absl::string_view kKinds[] = {"auth",      "account", "api",
                                                 "retrieval", "status",  "web"};
  if (std::find(std::begin(kKinds), std::end(kKinds), path[1]) ==
      std::end(kKinds)) {
    return "";
  }
  return core::IsKnownRegion(path[0]) ? std::string(path[0]) : "";
}

std::string AccountName(absl::string_view region, absl::string_view account) {
  return core::AccountName{std::string(region), std::string(account)}.Format();
}

std::string WorkflowExecutionName(absl::string_view region,
                                  absl::string_view account,
                                  absl::string_view workflow_execution) {
  return core::WorkflowExecutionName{std::string(region), std::string(account),
                                     std::string(workflow_execution)}
      .Format();
}

std::string CredentialName(absl::string_view region, absl::string_view account,
                           absl::string_view workflow_execution,
                           absl::string_view credential) {
  return core::CredentialName{std::string(region), std::string(account),
                              std::string(workflow_execution),
                              std::string(credential)}
      .Format();
}

std::string PartName(absl::string_view region, absl::string_view account,
                     absl::string_view workflow_execution,
                     absl::string_view credential,
                     absl::string_view classifier) {
  // The codec formats only the full form: every part Jumio returns belongs
  // to a workflow execution.
  if (workflow_execution.empty()) return "";
  return core::PartName{std::string(region), std::string(account),
                        std::string(workflow_execution),
                        std::string(credential), std::string(classifier)}
      .Format();
}

std::string UrlSegmentAfter(absl::string_view url,
                            absl::string_view collection) {
  const std::string marker = absl::StrCat("/", collection, "/");
  size_t pos = url.find(marker);
  if (pos == absl::string_view::npos) return "";
  absl::string_view rest = url.substr(pos + marker.size());
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

absl::Status Violations::ToStatus() const {
  if (items_.empty()) return absl::OkStatus();
  std::vector<std::string> parts;
  parts.reserve(items_.size());
  for (const auto& [field, description] : items_)
    parts.push_back(absl::StrCat(field, ": ", description));
  absl::Status status = errors::Error(
      absl::StatusCode::kInvalidArgument,
      ::jumio::gateway::v1::ERROR_REASON_INVALID_FIELD,
      absl::StrCat("invalid request: ", absl::StrJoin(parts, "; ")));
  for (const auto& [field, description] : items_)
    errors::AddFieldViolation(status, field, description);
  return status;
}

size_t Utf8Length(absl::string_view text) {
  size_t count = 0;
  for (char c : text) {
    // Count every byte that does not continue a multi-byte sequence.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool CheckLength(absl::string_view value, size_t max_bytes,
                 const std::string& field, Violations* violations) {
  if (!IsValidUtf8(value)) {
    violations->Add(field, "must be valid UTF-8");
    return false;
  }
  if (value.size() > max_bytes) {
    violations->Add(field, absl::StrCat("must be at most ", max_bytes,
                                        " bytes of UTF-8 (Jumio counts bytes, "
                                        "not characters)"));
    return false;
  }
  return true;
}

void CheckStruct(const Struct& value, const std::string& field,
                 Violations* violations) {
  CheckStructAt(value, field, 1, violations);
}

void WriteValue(const Value& value, JsonWriter* writer) {
  switch (value.kind_case()) {
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      writer->Null();
      break;
    case Value::kBoolValue:
      writer->Bool(value.bool_value());
      break;
    case Value::kNumberValue: {
      const double number = value.number_value();
      constexpr double kMaxExact = 9007199254740992.0;  // 2^53
      if (std::trunc(number) == number && std::fabs(number) <= kMaxExact) {
        writer->Int64(static_cast<int64_t>(number));
      } else {
        writer->Double(number);
      }
      break;
    }
    case Value::kStringValue:
      writer->String(
          value.string_value().data(),
          static_cast<rapidjson::SizeType>(value.string_value().size()));
      break;
    case Value::kStructValue:
      writer->StartObject();
      WriteStructMembers(value.struct_value(), writer);
      writer->EndObject();
      break;
    case Value::kListValue:
      writer->StartArray();
      for (const Value& item : value.list_value().values())
        WriteValue(item, writer);
      writer->EndArray();
      break;
  }
}

void WriteStructMembers(const Struct& value, JsonWriter* writer) {
  // Struct is a map: sort keys so that equal requests produce equal bodies
  // (the idempotency store compares bodies).
  std::vector<const std::string*> keys;
  keys.reserve(value.fields_size());
  for (const auto& entry : value.fields()) keys.push_back(&entry.first);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* key : keys) {
    writer->Key(key->data(), static_cast<rapidjson::SizeType>(key->size()));
    WriteValue(value.fields().at(*key), writer);
  }
}

std::string FormatJumioTime(const google::protobuf::Timestamp& time) {
  absl::Time t =
      absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace jumio_gateway::codec
