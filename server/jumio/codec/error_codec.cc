#include "server/jumio/codec/error_codec.h"

#include <initializer_list>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "server/core/json.h"
#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::codec {
namespace {

constexpr size_t kMaxMessageChars = 200;
constexpr size_t kMaxFieldChars = 100;
constexpr size_t kMaxCodeChars = 32;
constexpr absl::string_view kRedacted = "<redacted>";

bool OnlyChars(absl::string_view s, absl::string_view extra, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A word that may carry personal data or a secret: an e-mail address, a URL,
// or a run of four or more digits (phone, document or card numbers), or a
// long unbroken token (JWTs, ids).
bool IsSensitiveWord(absl::string_view word) {
  if (word.find('@') != absl::string_view::npos) return true;
  if (word.find("://") != absl::string_view::npos) return true;
  if (word.size() > 24) return true;
  int run = 0;
  for (char c : word) {
    run = absl::ascii_isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
    if (run >= 4) return true;
  }
  return false;
}

std::string FirstString(const JsonValue& object,
                        std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) {
    std::string value = StringMember(object, name);
    if (!value.empty()) return value;
  }
  return "";
}

}  // namespace

std::string SanitizeUpstreamText(absl::string_view text) {
  // Drop quoted text first: Jumio-style messages quote the rejected value.
  std::string unquoted;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
        absl::StrAppend(&unquoted, kRedacted);
      }
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
      continue;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    // Printable ASCII only; everything else becomes a space.
    unquoted.push_back(u >= 0x20 && u < 0x7F ? c : ' ');
  }
  if (quote != 0) absl::StrAppend(&unquoted, kRedacted);
  std::vector<std::string> words;
  for (absl::string_view word :
       absl::StrSplit(unquoted, ' ', absl::SkipEmpty())) {
    words.push_back(IsSensitiveWord(word) ? std::string(kRedacted)
                                          : std::string(word));
  }
  std::string out = absl::StrJoin(words, " ");
  if (out.size() > kMaxMessageChars) {
    out.resize(kMaxMessageChars - 3);
    out += "...";
  }
  return out;
}

UpstreamErrorBody ReadUpstreamError(absl::string_view body) {
  UpstreamErrorBody out;
  rapidjson::Document doc;
  if (!core::ParseJson(body, &doc).ok() || !doc.IsObject()) return out;

  std::string message = FirstString(
      doc, {"message", "detail", "error_description", "errorMessage"});
  std::string field =
      FirstString(doc, {"field", "fieldName", "path", "parameter"});
  std::string code;
  if (const JsonValue* error = Member(doc, "error")) {
    if (error->IsString() && message.empty()) {
      message = error->GetString();
    } else if (error->IsObject()) {
      if (message.empty()) message = FirstString(*error, {"message", "detail"});
      if (field.empty()) field = FirstString(*error, {"field", "path"});
      code = FirstString(*error, {"code"});
    }
  }
  if (const JsonValue* errors = Member(doc, "errors");
      errors != nullptr && errors->IsArray() && !errors->Empty()) {
    const JsonValue& first = (*errors)[0];
    if (message.empty())
      message = FirstString(first, {"message", "detail", "description"});
    if (field.empty())
      field = FirstString(first, {"field", "fieldName", "path", "parameter"});
    if (code.empty()) code = FirstString(first, {"code", "errorCode"});
  }
  if (message.empty()) message = FirstString(doc, {"title"});
  if (code.empty()) code = FirstString(doc, {"code", "errorCode"});
  if (code.empty()) {
    for (const char* name : {"code", "errorCode"}) {
      const JsonValue* number = Member(doc, name);
      if (number != nullptr && number->IsInt64()) {
        code = absl::StrCat(number->GetInt64());
        break;
      }
    }
  }
  if (const JsonValue* status = Member(doc, "status");
      status != nullptr && status->IsInt()) {
    out.status = status->GetInt();
  }
  out.message = SanitizeUpstreamText(message);
  if (OnlyChars(field, "_.[]-", kMaxFieldChars)) out.field = field;
  if (OnlyChars(code, "_.-", kMaxCodeChars)) out.code = code;
  return out;
}

}  // namespace jumio_gateway::codec
