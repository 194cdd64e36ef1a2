#include "server/jumio/codec/credential_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

constexpr absl::string_view kPartUpload = "part upload response";

bool IsWritten(const FieldDescriptor* field) {
  // formatted_address is extraction output; Jumio does not accept it.
  return !field->is_repeated() && field->name() != "formatted_address" &&
         field->name() != "additional_fields";
}

// Whether WriteStringFields would write anything for `message`.
bool HasWrittenContent(const Message& message) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (!IsWritten(field)) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        !reflection->GetString(message, field).empty()) {
      return true;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        reflection->HasField(message, field) &&
        HasWrittenContent(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

// Writes the non-empty string fields and non-empty sub-messages of `message`
// under their JSON names, in declaration order. Prepared data is flat strings
// plus two nested objects, so reflection keeps writer and proto in step.
void WriteStringFields(const Message& message, JsonWriter* writer) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (!IsWritten(field)) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      const std::string value = reflection->GetString(message, field);
      if (value.empty()) continue;
      writer->Key(field->json_name().c_str());
      writer->String(value.data(),
                     static_cast<rapidjson::SizeType>(value.size()));
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               reflection->HasField(message, field)) {
      const Message& sub = reflection->GetMessage(message, field);
      if (!HasWrittenContent(sub)) continue;
      writer->Key(field->json_name().c_str());
      writer->StartObject();
      WriteStringFields(sub, writer);
      writer->EndObject();
    }
  }
}

// Collects the JSON names the typed fields of `message` occupy, and checks
// their strings are UTF-8.
void CheckStringFields(const Message& message, const std::string& path,
                       Violations* violations) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated()) continue;
    const std::string field_path =
        path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (!IsValidUtf8(reflection->GetString(message, field)))
        violations->Add(field_path, "must be valid UTF-8");
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               field->message_type()->full_name() != "google.protobuf.Struct" &&
               reflection->HasField(message, field)) {
      CheckStringFields(reflection->GetMessage(message, field), field_path,
                        violations);
    }
  }
}

void ReadParts(const JsonValue& parts, absl::string_view region,
               absl::string_view account, absl::string_view workflow_execution,
               absl::string_view credential_id, v1::CredentialApiAccess* out) {
  auto add = [&](absl::string_view key, absl::string_view url) {
    v1::PartUploadTarget* target = out->add_parts();
    // Jumio keys `api.parts` by the lower-case classifier ("front").
    std::string classifier = absl::AsciiStrToUpper(key);
    target->set_raw_classifier(classifier);
    target->set_classifier(ParseEnum<v1::Classifier>(classifier));
    target->set_upload_uri(std::string(url));
    const std::string credential = credential_id.empty()
                                       ? UrlSegmentAfter(url, "credentials")
                                       : std::string(credential_id);
    target->set_name(PartName(region, account, workflow_execution,
                              IsValidId(credential) ? credential : "",
                              classifier));
  };
  if (parts.IsObject()) {
    for (const auto& member : parts.GetObject()) {
      if (!member.value.IsString()) continue;
      add(absl::string_view(member.name.GetString(),
                            member.name.GetStringLength()),
          absl::string_view(member.value.GetString(),
                            member.value.GetStringLength()));
    }
  } else if (parts.IsArray()) {
    // The retrieval API lists parts as [{classifier, href}]; accept that
    // shape here too.
    for (const JsonValue& item : parts.GetArray()) {
      const std::string classifier = StringMember(item, "classifier");
      if (classifier.empty()) continue;
      add(classifier, StringMember(item, "href"));
    }
  }
}

void ReadSelection(const JsonValue& json, v1::PredefinedType* type,
                   std::string* raw_type,
                   google::protobuf::RepeatedPtrField<std::string>* values) {
  *raw_type = StringMember(json, "predefinedType");
  *type = ParseEnum<v1::PredefinedType>(*raw_type);
  const JsonValue* list = Member(json, "values");
  if (list == nullptr || !list->IsArray()) return;
  for (const JsonValue& item : list->GetArray()) {
    if (item.IsString()) values->Add(item.GetString());
  }
}

// "category", or the reference manual's misspelling "categrory".
std::string CategoryMember(const JsonValue& json) {
  std::string category = StringMember(json, "category");
  if (category.empty()) category = StringMember(json, "categrory");
  return category;
}

}  // namespace

absl::StatusOr<std::string> WritePreparedData(const v1::PreparedData& data) {
  Violations violations;
  CheckStringFields(data, "", &violations);
  if (data.has_additional_fields()) {
    CheckStruct(data.additional_fields(), "additional_fields", &violations);
    const google::protobuf::Descriptor* descriptor = data.GetDescriptor();
    for (const auto& [key, unused] : data.additional_fields().fields()) {
      for (int i = 0; i < descriptor->field_count(); ++i) {
        if (descriptor->field(i)->json_name() == key) {
          violations.Add(absl::StrCat("additional_fields.", key),
                         "must not name a field that PreparedData models");
        }
      }
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  WriteStringFields(data, &writer);
  WriteStructMembers(data.additional_fields(), &writer);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<v1::PreparedData> ReadPreparedData(absl::string_view body) {
  constexpr absl::string_view kWhat = "prepared data";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  v1::PreparedData data;
  google::protobuf::Struct extra;
  status = ReadFieldsByJsonName(doc, kWhat, &data, &extra);
  if (!status.ok()) return status;
  if (extra.fields_size() > 0) *data.mutable_additional_fields() = extra;
  return data;
}

void ReadCredentialApiAccess(const JsonValue& api, absl::string_view region,
                             absl::string_view account,
                             absl::string_view workflow_execution,
                             absl::string_view credential_id,
                             v1::CredentialApiAccess* out) {
  out->set_token(StringMember(api, "token"));
  out->set_workflow_execution_uri(StringMember(api, "workflowExecution"));
  if (const JsonValue* parts = Member(api, "parts")) {
    ReadParts(*parts, region, account, workflow_execution, credential_id, out);
  }
}

absl::Status ReadAcquisitionWorkflowExecution(
    const JsonValue& workflow_execution, absl::string_view what,
    absl::string_view region, absl::string_view account, bool require_id,
    v1::AcquisitionWorkflowExecution* out) {
  std::string id;
  absl::Status status = RequiredString(workflow_execution, "id", require_id,
                                       what, "workflowExecution.id", &id);
  if (!status.ok()) return status;
  out->set_id(id);
  out->set_name(WorkflowExecutionName(region, account, id));
  const JsonValue* credentials = Member(workflow_execution, "credentials");
  if (credentials == nullptr || !credentials->IsArray())
    return absl::OkStatus();
  for (const JsonValue& item : credentials->GetArray()) {
    if (!item.IsObject()) continue;
    v1::AcquisitionCredential* credential = out->add_credentials();
    const std::string credential_id = StringMember(item, "id");
    credential->set_id(credential_id);
    credential->set_name(CredentialName(
        region, account, id, IsValidId(credential_id) ? credential_id : ""));
    credential->set_raw_category(CategoryMember(item));
    credential->set_category(
        ParseEnum<v1::CredentialCategory>(credential->raw_category()));
    if (const JsonValue* channels = Member(item, "allowedChannels");
        channels != nullptr && channels->IsArray()) {
      for (const JsonValue& channel : channels->GetArray()) {
        if (!channel.IsString()) continue;
        credential->add_raw_allowed_channels(channel.GetString());
        v1::Channel parsed = ParseEnum<v1::Channel>(channel.GetString());
        if (parsed != v1::CHANNEL_UNSPECIFIED)
          credential->add_allowed_channels(parsed);
      }
    }
    if (const JsonValue* api = Member(item, "api");
        api != nullptr && api->IsObject()) {
      ReadCredentialApiAccess(*api, region, account, id, credential_id,
                              credential->mutable_api());
    }
    if (const JsonValue* country = Member(item, "country");
        country != nullptr && country->IsObject()) {
      v1::CountrySelection* selection = credential->mutable_country();
      v1::PredefinedType type;
      ReadSelection(*country, &type, selection->mutable_raw_predefined_type(),
                    selection->mutable_values());
      selection->set_predefined_type(type);
    }
    if (const JsonValue* doc_type = Member(item, "type");
        doc_type != nullptr && doc_type->IsObject()) {
      v1::DocumentTypeSelection* selection = credential->mutable_type();
      v1::PredefinedType type;
      ReadSelection(*doc_type, &type, selection->mutable_raw_predefined_type(),
                    selection->mutable_values());
      selection->set_predefined_type(type);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::UploadCredentialPartResponse> ReadPartUploadResponse(
    absl::string_view body, absl::string_view region,
    absl::string_view credential_id) {
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kPartUpload, &doc);
  if (!status.ok()) return status;
  v1::UploadCredentialPartResponse response;
  google::protobuf::Timestamp time;
  if (TimeMember(doc, "timestamp", &time))
    *response.mutable_response_time() = time;

  const JsonValue* account = nullptr;
  status =
      RequiredObject(doc, "account", false, kPartUpload, "account", &account);
  if (!status.ok()) return status;
  std::string account_id;
  if (account != nullptr) {
    status = RequiredString(*account, "id", false, kPartUpload, "account.id",
                            &account_id);
    if (!status.ok()) return status;
  }
  response.set_account_id(account_id);
  response.set_account(AccountName(region, account_id));

  const JsonValue* workflow = nullptr;
  status = RequiredObject(doc, "workflowExecution", false, kPartUpload,
                          "workflowExecution", &workflow);
  if (!status.ok()) return status;
  if (workflow != nullptr) {
    status = ReadAcquisitionWorkflowExecution(
        *workflow, kPartUpload, region, account_id, false,
        response.mutable_workflow_execution());
    if (!status.ok()) return status;
  }

  const JsonValue* api = nullptr;
  status = RequiredObject(doc, "api", false, kPartUpload, "api", &api);
  if (!status.ok()) return status;
  if (api != nullptr) {
    ReadCredentialApiAccess(*api, region, account_id,
                            response.workflow_execution().id(), credential_id,
                            response.mutable_api());
  }
  return response;
}

}  // namespace jumio_gateway::codec
