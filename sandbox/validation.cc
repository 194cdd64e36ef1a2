#include "sandbox/validation.h"

#include <arpa/inet.h>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rapidjson/document.h"
#include "server/core/json.h"

namespace jumio::sandbox {
namespace {

using rapidjson::Value;

bool IsIpLiteral(absl::string_view host) {
  std::string h(host);
  if (!h.empty() && h.front() == '[') return true;
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// Reads an optional string member with a maximum length. Wrong type → 400
// naming the field.
absl::Status OptString(const Value& obj, const char* name,
                       absl::string_view path, size_t max_len,
                       std::string* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsString()) return FieldError(path, "must be a string");
  const size_t len = it->value.GetStringLength();
  if (max_len > 0 && len > max_len) {
    return FieldError(path,
                      absl::StrCat("must be at most ", max_len, " characters"));
  }
  out->assign(it->value.GetString(), len);
  return absl::OkStatus();
}

const Value* OptObject(const Value& obj, const char* name,
                       absl::string_view path, absl::Status* status) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  if (!it->value.IsObject()) {
    *status = FieldError(path, "must be an object");
    return nullptr;
  }
  return &it->value;
}

absl::Status ParsePredefined(const Value& cred, const char* name,
                             absl::string_view path,
                             const std::vector<std::string>& allowed,
                             std::string* predefined,
                             std::vector<std::string>* values, bool alpha3) {
  absl::Status st;
  const Value* o = OptObject(cred, name, path, &st);
  if (!st.ok() || o == nullptr) return st;
  const std::string pt_path = absl::StrCat(path, ".predefinedType");
  if (auto s = OptString(*o, "predefinedType", pt_path, 0, predefined); !s.ok())
    return s;
  if (!predefined->empty() && *predefined != "DEFINED" &&
      *predefined != "RECOMMENDED") {
    return FieldError(pt_path, "must be DEFINED or RECOMMENDED");
  }
  auto it = o->FindMember("values");
  if (it == o->MemberEnd()) return absl::OkStatus();
  const std::string v_path = absl::StrCat(path, ".values");
  if (!it->value.IsArray())
    return FieldError(v_path, "must be an array of strings");
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) return FieldError(v_path, "must be an array of strings");
    std::string s(v.GetString(), v.GetStringLength());
    if (alpha3 && !IsAlpha3(s)) {
      return FieldError(
          v_path, absl::StrCat("'", s, "' is not an ISO 3166-1 alpha-3 code"));
    }
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      return FieldError(v_path, absl::StrCat("'", s, "' is not one of ",
                                             absl::StrJoin(allowed, ", ")));
    }
    values->push_back(std::move(s));
  }
  if (alpha3 && values->empty())
    return FieldError(v_path, "must name at least one country");
  return absl::OkStatus();
}

absl::Status ParseWorkflowDefinition(const Value& wd, AccountRequest* r) {
  auto key = wd.FindMember("key");
  if (key == wd.MemberEnd() || key->value.IsNull()) {
    return FieldError("workflowDefinition.key", "is required");
  }
  // The key is an integer per tenant configuration; some clients send it as a
  // numeric string.
  if (key->value.IsInt64()) {
    r->workflow_key = key->value.GetInt64();
  } else if (!key->value.IsString() ||
             !absl::SimpleAtoi(key->value.GetString(), &r->workflow_key)) {
    return FieldError("workflowDefinition.key",
                      "must be an integer workflow definition key");
  }
  auto creds = wd.FindMember("credentials");
  if (creds != wd.MemberEnd() && !creds->value.IsNull()) {
    if (!creds->value.IsArray()) {
      return FieldError("workflowDefinition.credentials", "must be an array");
    }
    int i = 0;
    for (const auto& c : creds->value.GetArray()) {
      const std::string path =
          absl::StrCat("workflowDefinition.credentials[", i++, "]");
      if (!c.IsObject()) return FieldError(path, "must be an object");
      CredentialRequest cr;
      if (auto s = OptString(c, "id", path + ".id", 100, &cr.id); !s.ok())
        return s;
      // "categrory" is a typo in Jumio's own examples; accept it as the same
      // field.
      if (auto s =
              OptString(c, "category", path + ".category", 0, &cr.category);
          !s.ok()) {
        return s;
      }
      if (cr.category.empty()) {
        if (auto s =
                OptString(c, "categrory", path + ".category", 0, &cr.category);
            !s.ok()) {
          return s;
        }
      }
      static const std::vector<std::string> kCategories = {
          "ID", "FACEMAP", "DOCUMENT", "SELFIE", "DATA"};
      if (cr.category.empty())
        return FieldError(path + ".category", "is required");
      if (std::find(kCategories.begin(), kCategories.end(), cr.category) ==
          kCategories.end()) {
        return FieldError(
            path + ".category",
            absl::StrCat("must be one of ", absl::StrJoin(kCategories, ", ")));
      }
      if (auto s =
              ParsePredefined(c, "country", path + ".country", {},
                              &cr.country_predefined_type, &cr.countries, true);
          !s.ok()) {
        return s;
      }
      std::vector<std::string> types;
      if (cr.category == "ID") {
        types = {"ID_CARD", "DRIVING_LICENSE", "PASSPORT", "VISA"};
      } else if (cr.category == "FACEMAP") {
        types = {"IPROOV_STANDARD", "IPROOV_PREMIUM", "JUMIO_STANDARD"};
      }
      if (auto s = ParsePredefined(c, "type", path + ".type", types,
                                   &cr.type_predefined_type, &cr.types, false);
          !s.ok()) {
        return s;
      }
      r->credentials.push_back(std::move(cr));
    }
  }
  absl::Status st;
  if (const Value* caps = OptObject(wd, "capabilities",
                                    "workflowDefinition.capabilities", &st)) {
    if (const Value* ws = OptObject(
            *caps, "watchlistScreening",
            "workflowDefinition.capabilities.watchlistScreening", &st)) {
      std::string props;
      if (auto s = OptString(*ws, "additionalProperties",
                             "workflowDefinition.capabilities."
                             "watchlistScreening.additionalProperties",
                             0, &props);
          !s.ok()) {
        return s;
      }
      r->watchlist_additional_properties = props;
    }
  }
  return st;
}

absl::Status ParseUserConsent(const Value& uc, AccountRequest* r) {
  r->has_user_consent = true;
  if (auto s = OptString(uc, "userIp", "userConsent.userIp", 45, &r->user_ip);
      !s.ok())
    return s;
  if (!r->user_ip.empty() && !IsIpLiteral(r->user_ip)) {
    return FieldError("userConsent.userIp", "must be an IPv4 or IPv6 address");
  }
  absl::Status st;
  if (const Value* loc =
          OptObject(uc, "userLocation", "userConsent.userLocation", &st)) {
    if (auto s = OptString(*loc, "country", "userConsent.userLocation.country",
                           3, &r->consent_country);
        !s.ok()) {
      return s;
    }
    if (!r->consent_country.empty() && !IsAlpha3(r->consent_country)) {
      return FieldError("userConsent.userLocation.country",
                        "must be an ISO 3166-1 alpha-3 country code");
    }
    if (auto s = OptString(*loc, "state", "userConsent.userLocation.state", 100,
                           &r->consent_state);
        !s.ok()) {
      return s;
    }
  }
  if (!st.ok()) return st;
  if (const Value* c = OptObject(uc, "consent", "userConsent.consent", &st)) {
    if (auto s = OptString(*c, "obtained", "userConsent.consent.obtained", 0,
                           &r->consent_obtained);
        !s.ok()) {
      return s;
    }
    if (!r->consent_obtained.empty() && r->consent_obtained != "yes" &&
        r->consent_obtained != "no" && r->consent_obtained != "na") {
      return FieldError("userConsent.consent.obtained",
                        "must be yes, no or na");
    }
    if (auto s = OptString(*c, "obtainedAt", "userConsent.consent.obtainedAt",
                           0, &r->consent_obtained_at);
        !s.ok()) {
      return s;
    }
    if (!r->consent_obtained_at.empty() &&
        !IsJumioTimestamp(r->consent_obtained_at)) {
      return FieldError("userConsent.consent.obtainedAt",
                        "must have the format YYYY-MM-DDThh:mm:ss.SSSZ");
    }
  }
  if (!st.ok()) return st;
  if (r->consent_country == "USA" && r->consent_obtained.empty()) {
    return FieldError("userConsent.consent.obtained",
                      "is mandatory when userLocation.country is USA");
  }
  if (r->consent_obtained == "yes" && r->consent_obtained_at.empty()) {
    return FieldError("userConsent.consent.obtainedAt",
                      "is mandatory when consent.obtained is yes");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view message) {
  absl::Status s =
      absl::InvalidArgumentError(absl::StrCat(field, " ", message));
  s.SetPayload(kFieldPayload, absl::Cord(field));
  return s;
}

std::string FieldOf(const absl::Status& status) {
  auto p = status.GetPayload(kFieldPayload);
  return p.has_value() ? std::string(*p) : std::string();
}

bool IsAlpha3(absl::string_view code) {
  return code.size() == 3 && absl::ascii_isupper(code[0]) &&
         absl::ascii_isupper(code[1]) && absl::ascii_isupper(code[2]);
}

bool IsJumioTimestamp(absl::string_view t) {
  static constexpr absl::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (t.size() != kShape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? !absl::ascii_isdigit(t[i]) : t[i] != kShape[i])
      return false;
  }
  absl::Time parsed;
  std::string err;
  return absl::ParseTime("%Y-%m-%dT%H:%M:%E3SZ", std::string(t), &parsed, &err);
}

absl::StatusOr<absl::Duration> ParseTokenLifetime(absl::string_view text) {
  auto bad = [&] {
    return FieldError(
        "tokenLifetime",
        "must be a number followed by s, m, h or d, between 5m and 60d");
  };
  if (text.size() < 2 || text.size() > 12) return bad();
  int64_t n = 0;
  absl::string_view digits = text.substr(0, text.size() - 1);
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return bad();
  }
  if (!absl::SimpleAtoi(digits, &n)) return bad();
  absl::Duration d;
  switch (text.back()) {
    case 's':
      d = absl::Seconds(n);
      break;
    case 'm':
      d = absl::Minutes(n);
      break;
    case 'h':
      d = absl::Hours(n);
      break;
    case 'd':
      d = absl::Hours(24 * n);
      break;
    default:
      return bad();
  }
  if (d < absl::Minutes(5) || d > absl::Hours(24 * 60)) return bad();
  return d;
}

absl::Status ValidateCallbackUrl(absl::string_view url,
                                 bool allow_http_loopback) {
  constexpr absl::string_view kField = "callbackUrl";
  if (url.size() > 255)
    return FieldError(kField, "must be at most 255 characters");
  absl::string_view rest;
  bool https = false;
  if (absl::StartsWith(url, "https://")) {
    https = true;
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
  } else {
    return FieldError(kField, "must be an absolute https URL");
  }
  if (absl::StrContains(url, "#"))
    return FieldError(kField, "must not contain a fragment");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f) {
      return FieldError(kField,
                        "must not contain spaces or non-ASCII characters");
    }
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty() || absl::StrContains(authority, "@")) {
    return FieldError(kField, "must name a host");
  }
  absl::string_view host = authority;
  bool has_port = false;
  if (authority.front() != '[') {
    size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      has_port = true;
      host = authority.substr(0, colon);
    }
  }
  const bool loopback =
      host == "127.0.0.1" || host == "localhost" || host == "[::1]";
  if (allow_http_loopback && loopback) return absl::OkStatus();
  if (!https) return FieldError(kField, "must use https");
  if (has_port) return FieldError(kField, "must not contain a port");
  if (IsIpLiteral(host))
    return FieldError(kField, "must use a host name, not an IP address");
  if (!absl::StrContains(host, "."))
    return FieldError(kField, "must use a fully qualified host name");
  return absl::OkStatus();
}

absl::StatusOr<AccountRequest> ParseAccountRequest(
    absl::string_view body, const ValidationOptions& options) {
  rapidjson::Document doc;
  if (absl::Status parsed = jumio_gateway::core::ParseJson(body, &doc);
      !parsed.ok()) {
    return FieldError(
        "body", absl::StrCat("is not valid JSON (", parsed.message(), ")"));
  }
  if (!doc.IsObject()) return FieldError("body", "must be a JSON object");
  AccountRequest r;
  if (auto s = OptString(doc, "customerInternalReference",
                         "customerInternalReference", 100,
                         &r.customer_internal_reference);
      !s.ok()) {
    return s;
  }
  if (auto s = OptString(doc, "userReference", "userReference", 100,
                         &r.user_reference);
      !s.ok()) {
    return s;
  }
  if (auto s = OptString(doc, "reportingCriteria", "reportingCriteria", 255,
                         &r.reporting_criteria);
      !s.ok()) {
    return s;
  }
  if (auto s =
          OptString(doc, "callbackUrl", "callbackUrl", 255, &r.callback_url);
      !s.ok()) {
    return s;
  }
  if (!r.callback_url.empty()) {
    if (auto s =
            ValidateCallbackUrl(r.callback_url, options.allow_http_callbacks);
        !s.ok()) {
      return s;
    }
  }
  std::string lifetime;
  if (auto s = OptString(doc, "tokenLifetime", "tokenLifetime", 0, &lifetime);
      !s.ok())
    return s;
  if (!lifetime.empty()) {
    auto d = ParseTokenLifetime(lifetime);
    if (!d.ok()) return d.status();
    r.token_lifetime = *d;
  }
  absl::Status st;
  const Value* wd =
      OptObject(doc, "workflowDefinition", "workflowDefinition", &st);
  if (!st.ok()) return st;
  if (wd == nullptr) return FieldError("workflowDefinition", "is required");
  if (auto s = ParseWorkflowDefinition(*wd, &r); !s.ok()) return s;
  if (const Value* web = OptObject(doc, "web", "web", &st)) {
    if (auto s = OptString(*web, "successUrl", "web.successUrl", 255,
                           &r.success_url);
        !s.ok()) {
      return s;
    }
    if (auto s = OptString(*web, "errorUrl", "web.errorUrl", 255, &r.error_url);
        !s.ok()) {
      return s;
    }
    if (auto s = OptString(*web, "locale", "web.locale", 5, &r.locale); !s.ok())
      return s;
  }
  if (!st.ok()) return st;
  if (const Value* uc = OptObject(doc, "userConsent", "userConsent", &st)) {
    if (auto s = ParseUserConsent(*uc, &r); !s.ok()) return s;
  }
  if (!st.ok()) return st;
  return r;
}

}  // namespace jumio::sandbox
