#include "server/callbacks/parse.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/core/json.h"
#include "server/core/resource_names.h"
#include "server/jumio/codec/callback_codec.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;
using google::protobuf::util::TimeUtil;

namespace {

// Duplicate member names anywhere in the document: the typed fields read the
// first, the stored raw_body would merge them, so what is stored would not be
// what Jumio sent. The document is at most kMaxJsonDepth deep; the walk keeps
// its own stack anyway.
bool HasDuplicateKeys(const rapidjson::Value& root) {
  std::vector<const rapidjson::Value*> pending = {&root};
  while (!pending.empty()) {
    const rapidjson::Value* v = pending.back();
    pending.pop_back();
    if (v->IsObject()) {
      absl::flat_hash_set<absl::string_view> names;
      for (const auto& m : v->GetObject()) {
        if (!names
                 .insert(absl::string_view(m.name.GetString(),
                                           m.name.GetStringLength()))
                 .second) {
          return true;
        }
        pending.push_back(&m.value);
      }
    } else if (v->IsArray()) {
      for (const auto& e : v->GetArray()) pending.push_back(&e);
    }
  }
  return false;
}

ParsedCallback Fail(ParseFailure failure, std::string error) {
  ParsedCallback p;
  p.failure = failure;
  p.error = std::move(error);
  return p;
}

}  // namespace

absl::Status CheckStorable(const v1::Callback& callback) {
  v1::Callback stored = callback;
  stored.clear_cursor();
  stored.clear_enrichment();
  std::string bytes;
  if (!stored.SerializeToString(&bytes)) {
    return absl::InvalidArgumentError("callback cannot be serialized");
  }
  v1::Callback back;
  // ParseFromString applies protobuf's default recursion limit (100) and
  // proto3's UTF-8 check: exactly what every later read of the log does.
  if (!back.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        "callback would be stored in a form that cannot be read back "
        "(invalid UTF-8 or nested too deeply)");
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(stored, back)) {
    return absl::InvalidArgumentError(
        "callback does not read back as it would be stored");
  }
  return absl::OkStatus();
}

ParsedCallback ParseCallback(absl::string_view body, v1::Region default_region,
                             absl::Time receive_time) {
  // Invalid UTF-8 is refused first and on its own: such a body was answered
  // 200 and stored, then could never be read back (proto3 strings must be
  // UTF-8) and blocked the genuine callback as a duplicate.
  if (!codec::IsValidUtf8(body)) {
    return Fail(ParseFailure::kUnstorable, "body is not valid UTF-8");
  }
  rapidjson::Document doc;
  // The project's bounded parser: iterative, at most kMaxJsonDepth deep.
  if (absl::Status parsed = core::ParseJson(body, &doc); !parsed.ok()) {
    return Fail(ParseFailure::kMalformedJson, std::string(parsed.message()));
  }
  if (!doc.IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "body is not a JSON object");
  }
  const rapidjson::Value* we = codec::Member(doc, "workflowExecution");
  const rapidjson::Value* account = codec::Member(doc, "account");
  if (we == nullptr || !we->IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "workflowExecution missing");
  }
  if (account == nullptr || !account->IsObject()) {
    return Fail(ParseFailure::kInvalidShape, "account missing");
  }
  // Ids end up in resource names and log keys: the one id rule applies.
  const std::string we_id = codec::StringMember(*we, "id");
  const std::string account_id = codec::StringMember(*account, "id");
  const std::string status = codec::StringMember(*we, "status");
  if (!core::IsValidId(we_id)) {
    return Fail(ParseFailure::kInvalidShape, "workflowExecution.id invalid");
  }
  if (!core::IsValidId(account_id)) {
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
    // Valid JSON nested deeper than a Struct can carry (raw_body) is a
    // callback that could not be read back, not one of the wrong shape.
    core::JsonLimits struct_depth;
    struct_depth.max_depth = codec::kMaxStructJsonDepth;
    if (!core::ValidateJson(body, struct_depth).ok()) {
      return Fail(
          ParseFailure::kUnstorable,
          absl::StrCat("nesting deeper than ", codec::kMaxStructJsonDepth,
                       " levels cannot be stored and read back"));
    }
    return Fail(ParseFailure::kInvalidShape, "not a callback Jumio sends");
  }
  // Stored means readable: refuse now what could not be read back exactly.
  if (HasDuplicateKeys(doc)) {
    return Fail(ParseFailure::kUnstorable, "duplicate member names");
  }
  if (absl::Status exact = core::CheckJsonNumbersExact(body); !exact.ok()) {
    return Fail(ParseFailure::kUnstorable, std::string(exact.message()));
  }
  if (absl::Status storable = CheckStorable(*callback); !storable.ok()) {
    return Fail(ParseFailure::kUnstorable, std::string(storable.message()));
  }
  ParsedCallback p;
  p.callback = *std::move(callback);
  p.callback.set_source(v1::CALLBACK_SOURCE_JUMIO_CALLBACK);
  p.region_from_href =
      !codec::RegionFromUrl(codec::StringMember(*we, "href")).empty() ||
      !codec::RegionFromUrl(codec::StringMember(*account, "href")).empty();
  *p.callback.mutable_receive_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(receive_time));
  return p;
}

}  // namespace jumio_gateway::callbacks
