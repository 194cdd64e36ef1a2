#include "server/jumio/codec/retrieval_codec.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

// Where the names of credentials in a details document are built from.
struct NameContext {
  absl::string_view region;
  std::string account;
  std::string workflow_execution;
};

// "category", or the reference manual's misspelling "categrory".
std::string CategoryMember(const JsonValue& json) {
  std::string category = StringMember(json, "category");
  if (category.empty()) category = StringMember(json, "categrory");
  return category;
}

// Jumio sends definitionKey as a string ("10013"); accept a number as well.
void ReadDefinitionKey(const JsonValue& object, int64_t* key,
                       std::string* raw) {
  const JsonValue* value = Member(object, "definitionKey");
  *key = 0;
  raw->clear();
  if (value == nullptr) return;
  if (value->IsString()) {
    raw->assign(value->GetString(), value->GetStringLength());
    int64_t parsed;
    if (absl::SimpleAtoi(*raw, &parsed)) *key = parsed;
  } else if (value->IsInt64()) {
    *key = value->GetInt64();
    *raw = absl::StrCat(*key);
  }
}

void ReadCapabilityCredential(const JsonValue& json, const NameContext& ctx,
                              v1::CapabilityCredential* out) {
  out->set_id(StringMember(json, "id"));
  out->set_name(CredentialName(ctx.region, ctx.account, ctx.workflow_execution,
                               IsValidId(out->id()) ? out->id() : ""));
  out->set_raw_category(CategoryMember(json));
  out->set_category(ParseEnum<v1::CredentialCategory>(out->raw_category()));
}

// One item of a capability's array into its typed result message. All result
// messages share the same field names (id, credentials, decision, data,
// unmodeled_data), so one reflective reader serves all thirteen.
absl::Status ReadCapabilityItem(const JsonValue& item, absl::string_view what,
                                const NameContext& ctx, Message* result) {
  const google::protobuf::Descriptor* descriptor = result->GetDescriptor();
  const google::protobuf::Reflection* reflection = result->GetReflection();
  if (const FieldDescriptor* id = descriptor->FindFieldByName("id"))
    reflection->SetString(result, id, StringMember(item, "id"));

  // The manual prints `credentials` as an object; the samples send arrays.
  if (const JsonValue* credentials = Member(item, "credentials")) {
    const FieldDescriptor* field = descriptor->FindFieldByName("credentials");
    auto add = [&](const JsonValue& json) {
      if (!json.IsObject() || field == nullptr) return;
      ReadCapabilityCredential(json, ctx,
                               static_cast<v1::CapabilityCredential*>(
                                   reflection->AddMessage(result, field)));
    };
    if (credentials->IsArray()) {
      for (const JsonValue& c : credentials->GetArray()) add(c);
    } else {
      add(*credentials);
    }
  }
  if (const JsonValue* decision = Member(item, "decision");
      decision != nullptr && decision->IsObject()) {
    if (const FieldDescriptor* field =
            descriptor->FindFieldByName("decision")) {
      ReadDecision(*decision, static_cast<v1::Decision*>(
                                  reflection->MutableMessage(result, field)));
    }
  }
  if (const FieldDescriptor* field =
          descriptor->FindFieldByName("valid_face_map_for_authentication")) {
    reflection->SetString(result, field,
                          StringMember(item, "validFaceMapForAuthentication"));
  }
  const FieldDescriptor* unmodeled_field =
      descriptor->FindFieldByName("unmodeled_data");
  google::protobuf::Struct unmodeled;
  if (const JsonValue* data = Member(item, "data")) {
    const FieldDescriptor* data_field = descriptor->FindFieldByName("data");
    absl::Status status;
    if (data_field != nullptr && data->IsObject()) {
      status = ReadFieldsByJsonName(
          *data, what, reflection->MutableMessage(result, data_field),
          &unmodeled);
    } else if (data->IsObject()) {
      status = JsonToStruct(*data, what, &unmodeled);
    }
    if (!status.ok()) return status;
  }
  if (unmodeled_field != nullptr && unmodeled.fields_size() > 0) {
    reflection->MutableMessage(result, unmodeled_field)->CopyFrom(unmodeled);
  }
  return absl::OkStatus();
}

absl::Status ReadCapabilities(const JsonValue& capabilities,
                              absl::string_view what, const NameContext& ctx,
                              v1::Capabilities* out) {
  const google::protobuf::Descriptor* descriptor = out->GetDescriptor();
  const google::protobuf::Reflection* reflection = out->GetReflection();
  for (const auto& member : capabilities.GetObject()) {
    const std::string name(member.name.GetString(),
                           member.name.GetStringLength());
    const FieldDescriptor* field = nullptr;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* candidate = descriptor->field(i);
      if (candidate->name() != "other" && candidate->json_name() == name) {
        field = candidate;
        break;
      }
    }
    // Each capability is an array; a lone object is read as one item.
    std::vector<const JsonValue*> items;
    if (member.value.IsArray()) {
      for (const JsonValue& item : member.value.GetArray())
        if (item.IsObject()) items.push_back(&item);
    } else if (member.value.IsObject()) {
      items.push_back(&member.value);
    }
    for (const JsonValue* item : items) {
      absl::Status status;
      if (field != nullptr) {
        status = ReadCapabilityItem(*item, what, ctx,
                                    reflection->AddMessage(out, field));
      } else {
        status = JsonToStruct(*item, what,
                              (*out->mutable_other())[name].add_results());
      }
      if (!status.ok()) return status;
    }
    if (field == nullptr && items.empty() && member.value.IsArray()) {
      // An unknown capability that ran nowhere still shows up by name.
      (*out->mutable_other())[name];
    }
  }
  return absl::OkStatus();
}

void ReadParts(const JsonValue& parts, const NameContext& ctx,
               const std::string& credential_id, v1::WorkflowCredential* out) {
  auto add = [&](const JsonValue& json) {
    if (!json.IsObject()) return;
    v1::CredentialPart* part = out->add_parts();
    part->set_raw_classifier(StringMember(json, "classifier"));
    part->set_classifier(ParseEnum<v1::Classifier>(part->raw_classifier()));
    part->set_href(StringMember(json, "href"));
    part->set_name(PartName(ctx.region, ctx.account, ctx.workflow_execution,
                            IsValidId(credential_id) ? credential_id : "",
                            part->raw_classifier()));
  };
  // The manual's table calls `parts` an object; the samples send arrays.
  if (parts.IsArray()) {
    for (const JsonValue& item : parts.GetArray()) add(item);
  } else {
    add(parts);
  }
}

// The top-level members of the details document that have typed fields.
bool IsModeledDetailsMember(absl::string_view name) {
  for (absl::string_view known :
       {"workflow", "account", "createdAt", "startedAt", "completedAt",
        "decision", "credentials", "steps", "capabilities"}) {
    if (name == known) return true;
  }
  return false;
}

}  // namespace

void ReadDecision(const JsonValue& decision, v1::Decision* out) {
  out->set_raw_type(StringMember(decision, "type"));
  out->set_type(ParseEnum<v1::DecisionType>(out->raw_type()));
  if (const JsonValue* details = Member(decision, "details")) {
    out->set_raw_label(StringMember(*details, "label"));
    out->set_label(ParseEnum<v1::DecisionLabel>(out->raw_label()));
  }
  if (const JsonValue* risk = Member(decision, "risk")) {
    if (const JsonValue* score = Member(*risk, "score")) {
      double parsed;
      if (score->IsNumber()) {
        out->set_risk_score(score->GetDouble());
      } else if (score->IsString() &&
                 absl::SimpleAtod(score->GetString(), &parsed)) {
        out->set_risk_score(parsed);
      }
    }
  }
}

void ReadWorkflowExecutionSummary(const JsonValue& workflow_execution,
                                  const JsonValue* account,
                                  absl::string_view region,
                                  v1::WorkflowExecutionSummary* out) {
  out->set_id(StringMember(workflow_execution, "id"));
  out->set_href(StringMember(workflow_execution, "href"));
  int64_t key;
  ReadDefinitionKey(workflow_execution, &key,
                    out->mutable_raw_definition_key());
  out->set_definition_key(key);
  out->set_raw_status(StringMember(workflow_execution, "status"));
  out->set_status(ParseEnum<v1::WorkflowStatus>(out->raw_status()));
  if (account != nullptr) {
    out->set_account_id(StringMember(*account, "id"));
    out->set_account_href(StringMember(*account, "href"));
  }
  const std::string account_id =
      IsValidId(out->account_id()) ? out->account_id() : "";
  const std::string workflow_id = IsValidId(out->id()) ? out->id() : "";
  out->set_account(AccountName(region, account_id));
  out->set_name(WorkflowExecutionName(region, account_id, workflow_id));
}

absl::StatusOr<v1::FinalizeWorkflowExecutionResponse> ReadFinalizeResponse(
    absl::string_view body, absl::string_view region) {
  constexpr absl::string_view kWhat = "finalize response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  v1::FinalizeWorkflowExecutionResponse out;
  const JsonValue* account = nullptr;
  const JsonValue* workflow = nullptr;
  std::string account_id, workflow_id;
  status = RequiredObject(doc, "account", false, kWhat, "account", &account);
  if (status.ok() && account != nullptr)
    status =
        RequiredString(*account, "id", false, kWhat, "account.id", &account_id);
  if (status.ok())
    status = RequiredObject(doc, "workflowExecution", false, kWhat,
                            "workflowExecution", &workflow);
  if (status.ok() && workflow != nullptr)
    status = RequiredString(*workflow, "id", false, kWhat,
                            "workflowExecution.id", &workflow_id);
  if (!status.ok()) return status;
  out.set_account_id(account_id);
  out.set_id(workflow_id);
  out.set_account(AccountName(region, account_id));
  out.set_name(WorkflowExecutionName(region, account_id, workflow_id));
  google::protobuf::Timestamp time;
  if (TimeMember(doc, "timestamp", &time)) *out.mutable_response_time() = time;
  return out;
}

absl::StatusOr<v1::WorkflowExecutionSummary> ReadWorkflowExecutionStatus(
    absl::string_view body, absl::string_view region) {
  constexpr absl::string_view kWhat = "workflow status response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  const JsonValue* workflow = nullptr;
  const JsonValue* account = nullptr;
  std::string ignored;
  status = RequiredObject(doc, "workflowExecution", true, kWhat,
                          "workflowExecution", &workflow);
  if (status.ok())
    status = RequiredString(*workflow, "status", true, kWhat,
                            "workflowExecution.status", &ignored);
  if (status.ok())
    status = RequiredString(*workflow, "id", false, kWhat,
                            "workflowExecution.id", &ignored);
  if (status.ok())
    status = RequiredObject(doc, "account", false, kWhat, "account", &account);
  if (status.ok() && account != nullptr)
    status =
        RequiredString(*account, "id", false, kWhat, "account.id", &ignored);
  if (!status.ok()) return status;
  v1::WorkflowExecutionSummary out;
  ReadWorkflowExecutionSummary(*workflow, account, region, &out);
  return out;
}

absl::StatusOr<v1::WorkflowExecution> ReadWorkflowExecution(
    absl::string_view body, absl::string_view region, bool include_raw) {
  constexpr absl::string_view kWhat = "workflow details response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  const JsonValue* workflow = nullptr;
  const JsonValue* account = nullptr;
  NameContext ctx{region, "", ""};
  status = RequiredObject(doc, "workflow", true, kWhat, "workflow", &workflow);
  if (status.ok())
    status = RequiredString(*workflow, "id", false, kWhat, "workflow.id",
                            &ctx.workflow_execution);
  if (status.ok())
    status = RequiredObject(doc, "account", false, kWhat, "account", &account);
  if (status.ok() && account != nullptr)
    status = RequiredString(*account, "id", false, kWhat, "account.id",
                            &ctx.account);
  if (!status.ok()) return status;

  v1::WorkflowExecution out;
  out.set_id(ctx.workflow_execution);
  out.set_account_id(ctx.account);
  // Ids that cannot be name segments do not go into names.
  if (!IsValidId(ctx.account)) ctx.account.clear();
  if (!IsValidId(ctx.workflow_execution)) ctx.workflow_execution.clear();
  out.set_name(
      WorkflowExecutionName(region, ctx.account, ctx.workflow_execution));
  out.set_account(AccountName(region, ctx.account));
  out.set_raw_status(StringMember(*workflow, "status"));
  out.set_status(ParseEnum<v1::WorkflowStatus>(out.raw_status()));
  int64_t key;
  ReadDefinitionKey(*workflow, &key, out.mutable_raw_definition_key());
  out.set_definition_key(key);
  out.set_user_reference(StringMember(*workflow, "userReference"));
  out.set_customer_internal_reference(
      StringMember(*workflow, "customerInternalReference"));

  google::protobuf::Timestamp time;
  if (TimeMember(doc, "createdAt", &time)) *out.mutable_create_time() = time;
  if (TimeMember(doc, "startedAt", &time)) *out.mutable_start_time() = time;
  if (TimeMember(doc, "completedAt", &time))
    *out.mutable_complete_time() = time;

  if (const JsonValue* decision = Member(doc, "decision");
      decision != nullptr && decision->IsObject()) {
    ReadDecision(*decision, out.mutable_decision());
  }
  if (const JsonValue* credentials = Member(doc, "credentials");
      credentials != nullptr && credentials->IsArray()) {
    for (const JsonValue& item : credentials->GetArray()) {
      if (!item.IsObject()) continue;
      v1::WorkflowCredential* credential = out.add_credentials();
      credential->set_id(StringMember(item, "id"));
      credential->set_name(
          CredentialName(region, ctx.account, ctx.workflow_execution,
                         IsValidId(credential->id()) ? credential->id() : ""));
      credential->set_raw_category(CategoryMember(item));
      credential->set_category(
          ParseEnum<v1::CredentialCategory>(credential->raw_category()));
      if (const JsonValue* parts = Member(item, "parts"))
        ReadParts(*parts, ctx, credential->id(), credential);
    }
  }
  if (const JsonValue* steps = Member(doc, "steps"))
    out.set_steps_href(StringMember(*steps, "href"));
  if (const JsonValue* capabilities = Member(doc, "capabilities");
      capabilities != nullptr && capabilities->IsObject()) {
    status =
        ReadCapabilities(*capabilities, kWhat, ctx, out.mutable_capabilities());
    if (!status.ok()) return status;
  }
  // The promise is that nothing Jumio returns is dropped: a top-level member
  // this reader does not know is kept as sent.
  for (const auto& member : doc.GetObject()) {
    const absl::string_view name(member.name.GetString(),
                                 member.name.GetStringLength());
    if (IsModeledDetailsMember(name)) continue;
    status = JsonToValue(
        member.value, kWhat,
        &(*out.mutable_unmodeled_data()->mutable_fields())[std::string(name)]);
    if (!status.ok()) return status;
  }
  if (include_raw) {
    status = JsonToStruct(doc, kWhat, out.mutable_raw());
    if (!status.ok()) return status;
  }
  return out;
}

absl::StatusOr<std::vector<v1::WorkflowStep>> ReadWorkflowSteps(
    absl::string_view body) {
  constexpr absl::string_view kWhat = "workflow steps response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  const JsonValue* steps = Member(doc, "steps");
  if (steps == nullptr) return Malformed(kWhat, "'steps' is missing");
  if (!steps->IsArray()) return Malformed(kWhat, "'steps' is not an array");
  std::vector<v1::WorkflowStep> out;
  for (const JsonValue& item : steps->GetArray()) {
    if (!item.IsObject()) continue;
    v1::WorkflowStep step;
    step.set_id(StringMember(item, "id"));
    step.set_raw_step_name(StringMember(item, "name"));
    step.set_step_name(ParseEnum<v1::WorkflowStepName>(step.raw_step_name()));
    if (const JsonValue* ids = Member(item, "capabilityIds");
        ids != nullptr && ids->IsArray()) {
      for (const JsonValue& id : ids->GetArray())
        if (id.IsString()) step.add_capability_ids(id.GetString());
    }
    if (const JsonValue* decision = Member(item, "decision");
        decision != nullptr && decision->IsObject()) {
      ReadDecision(*decision, step.mutable_decision());
    }
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace jumio_gateway::codec
