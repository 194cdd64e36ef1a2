#include "server/jumio/codec/callback_codec.h"

#include <string>

#include "server/jumio/codec/json_util.h"
#include "server/jumio/codec/retrieval_codec.h"

namespace jumio_gateway::codec {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::FieldDescriptor;

absl::StatusOr<v1::Callback> ReadCallback(absl::string_view body,
                                          v1::Region default_region) {
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, "callback", &doc);
  if (!status.ok()) return status;
  return ReadCallbackDocument(doc, default_region);
}

absl::StatusOr<v1::Callback> ReadCallbackDocument(const JsonValue& doc,
                                                  v1::Region default_region) {
  constexpr absl::string_view kWhat = "callback";
  if (!doc.IsObject()) return Malformed(kWhat, "not a JSON object");
  absl::Status status;
  const JsonValue* workflow = nullptr;
  const JsonValue* account = nullptr;
  std::string ignored;
  status = RequiredObject(doc, "workflowExecution", false, kWhat,
                          "workflowExecution", &workflow);
  if (status.ok() && workflow != nullptr)
    status = RequiredString(*workflow, "id", false, kWhat,
                            "workflowExecution.id", &ignored);
  if (status.ok())
    status = RequiredObject(doc, "account", false, kWhat, "account", &account);
  if (status.ok() && account != nullptr)
    status =
        RequiredString(*account, "id", false, kWhat, "account.id", &ignored);
  if (!status.ok()) return status;

  v1::Callback out;
  std::string region;
  if (workflow != nullptr)
    region = RegionFromUrl(StringMember(*workflow, "href"));
  if (region.empty() && account != nullptr)
    region = RegionFromUrl(StringMember(*account, "href"));
  if (region.empty()) region = RegionId(default_region);
  out.set_region(RegionFromId(region));

  google::protobuf::Timestamp time;
  if (TimeMember(doc, "callbackSentAt", &time)) *out.mutable_sent_time() = time;
  out.set_user_reference(StringMember(doc, "userReference"));
  if (workflow != nullptr || account != nullptr) {
    rapidjson::Value empty(rapidjson::kObjectType);
    ReadWorkflowExecutionSummary(workflow != nullptr ? *workflow : empty,
                                 account, region,
                                 out.mutable_workflow_execution());
  }
  status = JsonToStruct(doc, kWhat, out.mutable_raw_body());
  if (!status.ok()) return status;
  return out;
}

v1::CallbackEnrichment BuildCallbackEnrichment(
    const v1::WorkflowExecution& details) {
  v1::CallbackEnrichment out;
  if (details.has_decision()) *out.mutable_decision() = details.decision();
  if (details.has_complete_time())
    *out.mutable_complete_time() = details.complete_time();
  // Every typed capability list has the same id/credentials/decision fields;
  // walk them by reflection so a capability added to the proto is covered.
  const v1::Capabilities& capabilities = details.capabilities();
  const google::protobuf::Descriptor* descriptor = capabilities.GetDescriptor();
  const google::protobuf::Reflection* reflection = capabilities.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (!field->is_repeated() || field->is_map()) continue;
    const std::string raw_name = field->json_name();
    const auto capability = static_cast<v1::CapabilityName>(
        EnumNumber(v1::CapabilityName_descriptor(), field->name()));
    for (int j = 0; j < reflection->FieldSize(capabilities, field); ++j) {
      const google::protobuf::Message& result =
          reflection->GetRepeatedMessage(capabilities, field, j);
      const google::protobuf::Descriptor* rd = result.GetDescriptor();
      const google::protobuf::Reflection* rr = result.GetReflection();
      v1::CapabilityDecision* decision = out.add_capability_decisions();
      decision->set_capability(capability);
      decision->set_raw_capability(raw_name);
      decision->set_id(rr->GetString(result, rd->FindFieldByName("id")));
      const FieldDescriptor* credentials = rd->FindFieldByName("credentials");
      for (int k = 0; k < rr->FieldSize(result, credentials); ++k) {
        decision->add_credentials()->CopyFrom(
            rr->GetRepeatedMessage(result, credentials, k));
      }
      const FieldDescriptor* d = rd->FindFieldByName("decision");
      if (rr->HasField(result, d))
        decision->mutable_decision()->CopyFrom(rr->GetMessage(result, d));
    }
  }
  // Unknown capabilities keep their decision in the verbatim Struct; their
  // data is not copied (it may hold personal data).
  for (const auto& [name, results] : capabilities.other()) {
    for (const google::protobuf::Struct& item : results.results()) {
      v1::CapabilityDecision* decision = out.add_capability_decisions();
      decision->set_raw_capability(name);
      auto id = item.fields().find("id");
      if (id != item.fields().end() && id->second.has_string_value())
        decision->set_id(id->second.string_value());
      auto dec = item.fields().find("decision");
      if (dec == item.fields().end() || !dec->second.has_struct_value())
        continue;
      const auto& fields = dec->second.struct_value().fields();
      if (auto type = fields.find("type");
          type != fields.end() && type->second.has_string_value()) {
        decision->mutable_decision()->set_raw_type(type->second.string_value());
        decision->mutable_decision()->set_type(
            ParseEnum<v1::DecisionType>(type->second.string_value()));
      }
      if (auto det = fields.find("details");
          det != fields.end() && det->second.has_struct_value()) {
        const auto& df = det->second.struct_value().fields();
        if (auto label = df.find("label");
            label != df.end() && label->second.has_string_value()) {
          decision->mutable_decision()->set_raw_label(
              label->second.string_value());
          decision->mutable_decision()->set_label(
              ParseEnum<v1::DecisionLabel>(label->second.string_value()));
        }
      }
    }
  }
  return out;
}

}  // namespace jumio_gateway::codec
