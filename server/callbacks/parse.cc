#include "server/callbacks/parse.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;
using google::protobuf::util::TimeUtil;

namespace {

// Jumio ids: 1 to 64 characters of [A-Za-z0-9-] (common.proto). Checked
// because they end up in resource names and log keys.
bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-') return false;
  }
  return true;
}

const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string StringMember(const rapidjson::Value& obj, const char* name) {
  const rapidjson::Value* v = Member(obj, name);
  if (v == nullptr) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  // definitionKey is documented as a string; tolerate a number.
  if (v->IsInt64()) return absl::StrCat(v->GetInt64());
  return "";
}

// https://retrieval.apac-1.jumio.ai/... -> REGION_APAC_1.
v1::Region RegionFromHref(absl::string_view href) {
  absl::string_view rest = href;
  if (!absl::ConsumePrefix(&rest, "https://")) return v1::REGION_UNSPECIFIED;
  absl::string_view host = rest.substr(0, rest.find('/'));
  std::vector<absl::string_view> labels = absl::StrSplit(host, '.');
  if (labels.size() != 4 || labels[2] != "jumio" || labels[3] != "ai") {
    return v1::REGION_UNSPECIFIED;
  }
  return RegionFromId(labels[1]);
}

v1::WorkflowStatus StatusFromString(absl::string_view s) {
  if (s == "PROCESSED") return v1::WORKFLOW_STATUS_PROCESSED;
  if (s == "SESSION_EXPIRED") return v1::WORKFLOW_STATUS_SESSION_EXPIRED;
  if (s == "TOKEN_EXPIRED") return v1::WORKFLOW_STATUS_TOKEN_EXPIRED;
  if (s == "INITIATED") return v1::WORKFLOW_STATUS_INITIATED;
  if (s == "ACQUIRED") return v1::WORKFLOW_STATUS_ACQUIRED;
  return v1::WORKFLOW_STATUS_UNSPECIFIED;
}

ParsedCallback Fail(ParseFailure failure, std::string error) {
  ParsedCallback p;
  p.failure = failure;
  p.error = std::move(error);
  return p;
}

}  // namespace

v1::Region RegionFromId(absl::string_view id) {
  if (id == "amer-1") return v1::REGION_AMER_1;
  if (id == "emea-1") return v1::REGION_EMEA_1;
  if (id == "apac-1") return v1::REGION_APAC_1;
  return v1::REGION_UNSPECIFIED;
}

std::string RegionId(v1::Region region) {
  switch (region) {
    case v1::REGION_AMER_1:
      return "amer-1";
    case v1::REGION_EMEA_1:
      return "emea-1";
    case v1::REGION_APAC_1:
      return "apac-1";
    default:
      return "";
  }
}

ParsedCallback ParseCallback(absl::string_view body, v1::Region default_region,
                             absl::Time receive_time) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return Fail(
        ParseFailure::kMalformedJson,
        absl::StrCat("JSON error at offset ", doc.GetErrorOffset(), ": ",
                     rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "body is not a JSON object");
  }
  const rapidjson::Value* we = Member(doc, "workflowExecution");
  const rapidjson::Value* account = Member(doc, "account");
  if (we == nullptr || !we->IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "workflowExecution missing");
  }
  if (account == nullptr || !account->IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "account missing");
  }
  const std::string we_id = StringMember(*we, "id");
  const std::string account_id = StringMember(*account, "id");
  const std::string status = StringMember(*we, "status");
  if (!ValidId(we_id)) {
    return Fail(ParseFailure::kInvalidShape, "workflowExecution.id invalid");
  }
  if (!ValidId(account_id)) {
    return Fail(ParseFailure::kInvalidShape, "account.id invalid");
  }
  if (status.empty() || status.size() > 64) {
    return Fail(ParseFailure::kInvalidShape,
                "workflowExecution.status invalid");
  }

  ParsedCallback p;
  v1::Callback& cb = p.callback;
  const std::string we_href = StringMember(*we, "href");
  const std::string account_href = StringMember(*account, "href");
  v1::Region region = RegionFromHref(we_href);
  if (region == v1::REGION_UNSPECIFIED) region = RegionFromHref(account_href);
  p.region_from_href = region != v1::REGION_UNSPECIFIED;
  if (!p.region_from_href) region = default_region;
  cb.set_region(region);
  *cb.mutable_receive_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(receive_time));
  absl::Time sent;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, StringMember(doc, "callbackSentAt"),
                      &sent, &err)) {
    *cb.mutable_sent_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(sent));
  }
  cb.set_user_reference(StringMember(doc, "userReference"));

  v1::WorkflowExecutionSummary* s = cb.mutable_workflow_execution();
  const std::string region_id = RegionId(region);
  s->set_account_id(account_id);
  s->set_id(we_id);
  if (!region_id.empty()) {
    s->set_account(
        absl::StrCat("regions/", region_id, "/accounts/", account_id));
    s->set_name(absl::StrCat(s->account(), "/workflowExecutions/", we_id));
  }
  s->set_href(we_href);
  s->set_account_href(account_href);
  s->set_raw_definition_key(StringMember(*we, "definitionKey"));
  int64_t key = 0;
  if (absl::SimpleAtoi(s->raw_definition_key(), &key)) {
    s->set_definition_key(key);
  }
  s->set_raw_status(status);
  s->set_status(StatusFromString(status));

  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(
           std::string(body), cb.mutable_raw_body(), options)
           .ok()) {
    // RapidJSON accepted it, so this is unexpected; keep the callback anyway
    // (the typed fields carry everything the gateway needs).
    cb.clear_raw_body();
  }
  return p;
}

}  // namespace jumio_gateway::callbacks
