#include "server/callbacks/parse.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "server/jumio/codec/callback_codec.h"
#include "server/jumio/codec/json_util.h"

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

ParsedCallback Fail(ParseFailure failure, std::string error) {
  ParsedCallback p;
  p.failure = failure;
  p.error = std::move(error);
  return p;
}

}  // namespace

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

  // The mapping itself is the codec's, shared with every other reader of
  // Jumio's JSON; this function adds the receiver's stricter checks above and
  // the receive time.
  absl::StatusOr<v1::Callback> callback =
      codec::ReadCallbackDocument(doc, default_region);
  if (!callback.ok()) {
    return Fail(ParseFailure::kInvalidShape, "not a callback Jumio sends");
  }
  ParsedCallback p;
  p.callback = *std::move(callback);
  p.region_from_href =
      !codec::RegionFromUrl(StringMember(*we, "href")).empty() ||
      !codec::RegionFromUrl(StringMember(*account, "href")).empty();
  *p.callback.mutable_receive_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(receive_time));
  return p;
}

}  // namespace jumio_gateway::callbacks
