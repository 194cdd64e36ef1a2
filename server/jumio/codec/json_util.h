// Shared pieces of the Jumio JSON codec: parsing with the UPSTREAM_MALFORMED
// contract, tolerant member access, google.protobuf.Struct conversion, Jumio
// timestamps, enum lookup by Jumio string, resource names, and the collector
// of writer field violations. The per-endpoint codecs (account_codec,
// credential_codec, retrieval_codec, platform_codec, callback_codec) build on
// these so that every reader tolerates the same things in the same way.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CODEC_JSON_UTIL_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CODEC_JSON_UTIL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "jumio/gateway/v1/common.pb.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/core/json.h"
#include "server/core/regions.h"
#include "server/core/resource_names.h"

namespace jumio_gateway::codec {

using JsonValue = rapidjson::Value;
// The writer every codec uses. kWriteValidateEncodingFlag makes it refuse
// invalid UTF-8 instead of forwarding it to Jumio.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                                     rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                     rapidjson::kWriteValidateEncodingFlag>;

// Deepest nesting accepted when converting Jumio JSON to a Struct (and when
// checking a caller's Struct): the project's one limit, the same the parser
// (server/core/json.h) enforces. Jumio's documents nest a handful of levels;
// the limit keeps recursion bounded against hostile input.
using ::jumio_gateway::core::kMaxJsonDepth;

// Deepest JSON nesting converted into a google.protobuf.Struct/Value. Lower
// than kMaxJsonDepth because protobuf spends up to three message levels per
// JSON level (Struct, its map entry, Value) and every protobuf parser refuses
// messages nested deeper than 100: a Struct from 64 JSON levels would leave
// the gateway intact and be unreadable by every caller. 24 levels (72 message
// levels) leave room for the messages a Struct sits in.
inline constexpr int kMaxStructJsonDepth = 24;

// ---------------------------------------------------------------------------
// Reading.

// INTERNAL / UPSTREAM_MALFORMED. `what` names the Jumio response (e.g.
// "account create response"); `detail` says what is wrong, naming JSON member
// paths only, never values.
absl::Status Malformed(absl::string_view what, absl::string_view detail);

// Parses `body` into `doc` and requires a JSON object at the top. Never echoes
// the body: the error carries only the parse error and its byte offset.
absl::Status ParseJsonObject(absl::string_view body, absl::string_view what,
                             rapidjson::Document* doc);

// The member `name` of `object`, or nullptr when `object` is not an object or
// has no such member. JSON null counts as absent.
const JsonValue* Member(const JsonValue& object, absl::string_view name);

// The string member `name`, or "" when absent or not a string (tolerant).
std::string StringMember(const JsonValue& object, absl::string_view name);

// Reads an identity member that must be a string when present: OK with the
// value (empty when absent and !required), MALFORMED when it has another type
// or is absent but required. `path` is the member's JSON path for the message.
absl::Status RequiredString(const JsonValue& object, absl::string_view name,
                            bool required, absl::string_view what,
                            absl::string_view path, std::string* out);

// Like RequiredString for an object member; *out is nullptr when absent.
absl::Status RequiredObject(const JsonValue& object, absl::string_view name,
                            bool required, absl::string_view what,
                            absl::string_view path, const JsonValue** out);

// JSON -> google.protobuf.Value / Struct, verbatim. Fails (MALFORMED) only on
// nesting deeper than kMaxStructJsonDepth.
absl::Status JsonToValue(const JsonValue& json, absl::string_view what,
                         google::protobuf::Value* out, int depth = 0);
absl::Status JsonToStruct(const JsonValue& object, absl::string_view what,
                          google::protobuf::Struct* out, int depth = 0);

// Reads the members of `object` into the fields of `message` whose JSON names
// (lowerCamelCase) match, by reflection, so that the many data messages of
// retrieval.proto need no hand-written member lists. Enums are parsed with
// EnumNumber and the raw string goes to the sibling `raw_<field>`; Timestamps
// are parsed with ParseJumioTime; a string where a message with
// `formatted_address` is expected (extraction `address`) fills that field;
// repeated google.protobuf.Value takes any JSON. Members with no matching
// field, or whose JSON type does not fit the field, are copied verbatim into
// `unmodeled` (when not null), so nothing Jumio sends is dropped; a nested
// object with such members is copied whole. MALFORMED only for nesting deeper
// than kMaxJsonDepth.
absl::Status ReadFieldsByJsonName(const JsonValue& object,
                                  absl::string_view what,
                                  google::protobuf::Message* message,
                                  google::protobuf::Struct* unmodeled,
                                  int depth = 0);

// Parses a Jumio timestamp (YYYY-MM-DDThh:mm:ss.SSSZ; any RFC 3339 time is
// accepted). False (and `out` untouched) when absent or unparsable.
bool ParseJumioTime(absl::string_view text, google::protobuf::Timestamp* out);
// Reads the timestamp member `name` into `out` if it parses (tolerant):
// true when it did, `out` untouched otherwise. Typical use:
//   Timestamp t; if (TimeMember(json, "createdAt", &t)) *m.mutable_x() = t;
bool TimeMember(const JsonValue& object, absl::string_view name,
                google::protobuf::Timestamp* out);

// Looks up the value of enum `descriptor` named `prefix` + upper-cased `raw`
// (the gateway's enum naming rule). 0 (the _UNSPECIFIED value) when `raw` is
// empty or unknown to this version. Documented Jumio misspellings (subType
// "UNKOWN") are accepted.
int EnumNumber(const google::protobuf::EnumDescriptor* descriptor,
               absl::string_view raw);

template <typename E>
E ParseEnum(absl::string_view raw) {
  return static_cast<E>(
      EnumNumber(google::protobuf::GetEnumDescriptor<E>(), raw));
}

// The Jumio string of an enum value: its name without the enum's prefix
// ("CREDENTIAL_CATEGORY_ID" -> "ID"). Empty for the zero value and for
// numbers the enum does not define.
std::string EnumJumioName(const google::protobuf::EnumDescriptor* descriptor,
                          int number);

template <typename E>
std::string JumioName(E value) {
  return EnumJumioName(google::protobuf::GetEnumDescriptor<E>(),
                       static_cast<int>(value));
}

// ---------------------------------------------------------------------------
// Regions and resource names (common.proto): the table and the id rule are
// core's (server/core/regions.h, resource_names.h). Builders return "" when
// an id they need is not valid (IsValidId, IsValidClassifier), so that a
// response never carries a half-built or ambiguous name.

using ::jumio_gateway::core::IsValidClassifier;
using ::jumio_gateway::core::IsValidId;
using ::jumio_gateway::core::RegionFromId;
using ::jumio_gateway::core::RegionId;
// The region id in a Jumio URL ("https://retrieval.apac-1.jumio.ai/..." ->
// "apac-1"), or in the path-prefix layout of jumio-sandbox
// ("http://127.0.0.1:8080/apac-1/retrieval/..."); "" otherwise.
std::string RegionFromUrl(absl::string_view url);

std::string AccountName(absl::string_view region, absl::string_view account);
std::string WorkflowExecutionName(absl::string_view region,
                                  absl::string_view account,
                                  absl::string_view workflow_execution);
std::string CredentialName(absl::string_view region, absl::string_view account,
                           absl::string_view workflow_execution,
                           absl::string_view credential);
std::string PartName(absl::string_view region, absl::string_view account,
                     absl::string_view workflow_execution,
                     absl::string_view credential,
                     absl::string_view classifier);

// The path segment following `/<collection>/` in a Jumio URL, e.g. the
// credential id in ".../credentials/<id>/parts/FRONT". "" if absent.
std::string UrlSegmentAfter(absl::string_view url,
                            absl::string_view collection);

// ---------------------------------------------------------------------------
// Writing.

// Collects every invalid field of a request so that the caller sees them all
// at once. Field paths use proto field names
// ("workflow_definition.credentials[0].country.values[1]"); descriptions state
// the rule, never the offending value.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    items_.emplace_back(std::move(field), std::move(description));
  }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& items() const {
    return items_;
  }
  // OK when empty; otherwise INVALID_ARGUMENT / INVALID_FIELD with one
  // BadRequest violation per item.
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Number of Unicode code points in valid UTF-8 `text`. Not for Jumio's
// limits: those count bytes (CheckLength).
size_t Utf8Length(absl::string_view text);
// Whether `text` is valid UTF-8 (the parser's own check, server/core/json.h).
using ::jumio_gateway::core::IsValidUtf8;

// Adds a violation unless `value` is valid UTF-8 of at most `max_bytes` bytes
// (Jumio's "Max. Length" counts bytes, not characters). Returns whether it was
// valid.
bool CheckLength(absl::string_view value, size_t max_bytes,
                 const std::string& field, Violations* violations);

// Checks a caller-supplied Struct before it is merged into a request: finite
// numbers, valid UTF-8, nesting within kMaxJsonDepth.
void CheckStruct(const google::protobuf::Struct& value,
                 const std::string& field, Violations* violations);

// Writes a Struct / Value as JSON. Integral numbers within 2^53 are written as
// integers ("key": 2, not 2.0). Call only after CheckStruct passed.
void WriteValue(const google::protobuf::Value& value, JsonWriter* writer);
void WriteStructMembers(const google::protobuf::Struct& value,
                        JsonWriter* writer);

// Formats a timestamp the way Jumio writes them: YYYY-MM-DDThh:mm:ss.SSSZ.
std::string FormatJumioTime(const google::protobuf::Timestamp& time);

}  // namespace jumio_gateway::codec

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CODEC_JSON_UTIL_H_
