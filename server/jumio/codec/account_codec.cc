#include "server/jumio/codec/account_codec.h"

#include <arpa/inet.h>

#include <climits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/errors/errors.h"
#include "server/jumio/codec/credential_codec.h"
#include "server/jumio/codec/json_util.h"
#include "server/jumio/codec/retrieval_codec.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr absl::string_view kWatchlistScreening = "watchlistScreening";
constexpr absl::string_view kAdditionalProperties = "additionalProperties";

bool IsAsciiUpperN(absl::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

bool HasSpaceOrControl(absl::string_view s) {
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return true;
  }
  return false;
}

// Splits "scheme://authority/rest" and returns the authority; "" if the URL
// does not start with one of `schemes`.
absl::string_view Authority(absl::string_view url,
                            std::initializer_list<absl::string_view> schemes) {
  for (absl::string_view scheme : schemes) {
    absl::string_view rest = url;
    if (absl::ConsumePrefix(&rest, scheme) &&
        absl::ConsumePrefix(&rest, "://")) {
      return rest.substr(0, rest.find_first_of("/?#"));
    }
  }
  return "";
}

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool all_digits_and_dots = true;
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-')
        return false;
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
        all_digits_and_dots = false;
    }
  }
  // "10.0.0.1" is an address, not a host name (IPv6 literals already fail on
  // '[' and ':').
  return !all_digits_and_dots;
}

bool IsAbsoluteHttpUrl(absl::string_view url) {
  if (HasSpaceOrControl(url)) return false;
  absl::string_view authority = Authority(url, {"https", "http"});
  return !authority.empty();
}

// ISO 639-1 language, optionally "-" and ISO 3166-1 alpha-2 country.
bool IsLocale(absl::string_view locale) {
  auto lower2 = [](absl::string_view s) {
    return s.size() == 2 &&
           absl::ascii_islower(static_cast<unsigned char>(s[0])) &&
           absl::ascii_islower(static_cast<unsigned char>(s[1]));
  };
  if (locale.size() == 2) return lower2(locale);
  return locale.size() == 5 && lower2(locale.substr(0, 2)) &&
         locale[2] == '-' && IsAsciiUpperN(locale.substr(3), 2);
}

bool IsIpLiteral(const std::string& ip) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, ip.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, ip.c_str(), buffer) == 1;
}

bool IsDocumentTypeCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code) {
    if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_')
      return false;
  }
  return true;
}

template <typename E>
bool IsKnownEnum(E value) {
  return google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(
             static_cast<int>(value)) != nullptr;
}

void WriteString(JsonWriter* w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w->Key(key);
  w->String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// ---------------------------------------------------------------------------
// Validation of fields 3 to 10 (shared by create and update).

void CheckCredential(const v1::CredentialDefinition& credential,
                     const std::string& path, Violations* v) {
  if (!credential.id().empty() && !IsValidId(credential.id())) {
    v->Add(path + ".id", "must be 1 to 64 characters of [A-Za-z0-9-]");
  }
  if (credential.category() == v1::CREDENTIAL_CATEGORY_UNSPECIFIED) {
    v->Add(path + ".category", "is required");
  } else if (!IsKnownEnum(credential.category())) {
    v->Add(path + ".category", "is not a known credential category");
  }
  const bool document =
      credential.category() == v1::CREDENTIAL_CATEGORY_DOCUMENT;
  if (credential.has_country()) {
    const v1::CountrySelection& country = credential.country();
    const std::string cpath = path + ".country";
    if (!IsKnownEnum(country.predefined_type()))
      v->Add(cpath + ".predefined_type", "is not a known predefined type");
    if (country.values().empty()) {
      v->Add(cpath + ".values", "must list at least one country");
    } else if (country.values_size() > kMaxCountryValues) {
      v->Add(cpath + ".values", absl::StrCat("must list at most ",
                                             kMaxCountryValues, " countries"));
    } else if (document && country.values_size() != 1) {
      v->Add(cpath + ".values",
             "must list exactly one country for a DOCUMENT credential");
    }
    for (int i = 0; i < country.values_size(); ++i) {
      if (!IsAsciiUpperN(country.values(i), 3)) {
        v->Add(absl::StrCat(cpath, ".values[", i, "]"),
               "must be an ISO 3166-1 alpha-3 code (three letters A-Z)");
      }
    }
  }
  if (credential.has_type()) {
    const v1::DocumentTypeSelection& type = credential.type();
    const std::string tpath = path + ".type";
    if (!IsKnownEnum(type.predefined_type()))
      v->Add(tpath + ".predefined_type", "is not a known predefined type");
    if (type.values().empty()) {
      v->Add(tpath + ".values", "must list at least one type");
    } else if (document && type.values_size() != 1) {
      v->Add(tpath + ".values",
             "must list exactly one type for a DOCUMENT credential");
    }
    for (int i = 0; i < type.values_size(); ++i) {
      if (!IsDocumentTypeCode(type.values(i))) {
        v->Add(absl::StrCat(tpath, ".values[", i, "]"),
               "must be 1 to 64 characters of [A-Z0-9_]");
      }
    }
  }
}

void CheckWorkflowDefinition(const v1::WorkflowDefinition& definition,
                             Violations* v) {
  if (definition.key() <= 0)
    v->Add("workflow_definition.key", "must be a positive workflow key");
  if (definition.credentials_size() > kMaxCredentialDefinitions) {
    v->Add("workflow_definition.credentials",
           absl::StrCat("must have at most ", kMaxCredentialDefinitions,
                        " items"));
  }
  for (int i = 0; i < definition.credentials_size(); ++i) {
    CheckCredential(definition.credentials(i),
                    absl::StrCat("workflow_definition.credentials[", i, "]"),
                    v);
  }
  if (!definition.has_capabilities()) return;
  const v1::CapabilityOptions& capabilities = definition.capabilities();
  const std::string cpath = "workflow_definition.capabilities";
  if (capabilities.has_watchlist_screening()) {
    const v1::WatchlistScreeningOptions& screening =
        capabilities.watchlist_screening();
    const std::string spath = cpath + ".watchlist_screening";
    CheckLength(screening.additional_properties(),
                kMaxAdditionalPropertiesBytes, spath + ".additional_properties",
                v);
    CheckStruct(screening.additional_options(), spath + ".additional_options",
                v);
    if (screening.additional_options().fields().count(
            std::string(kAdditionalProperties))) {
      v->Add(spath + ".additional_options.additionalProperties",
             "must not repeat the typed field additional_properties");
    }
  }
  CheckStruct(capabilities.additional_capabilities(),
              cpath + ".additional_capabilities", v);
  if (capabilities.additional_capabilities().fields().count(
          std::string(kWatchlistScreening))) {
    v->Add(cpath + ".additional_capabilities.watchlistScreening",
           "must not repeat the typed field watchlist_screening");
  }
}

void CheckUserConsent(const v1::UserConsent& consent, Violations* v) {
  if (consent.user_ip().empty()) {
    v->Add("user_consent.user_ip", "is required");
  } else if (!IsIpLiteral(consent.user_ip())) {
    v->Add("user_consent.user_ip", "must be an IPv4 or IPv6 address");
  }
  if (!consent.has_user_location()) {
    v->Add("user_consent.user_location", "is required");
  } else {
    const v1::UserLocation& location = consent.user_location();
    if (location.country().empty()) {
      v->Add("user_consent.user_location.country", "is required");
    } else if (!IsAsciiUpperN(location.country(), 3)) {
      v->Add("user_consent.user_location.country",
             "must be an ISO 3166-1 alpha-3 code (three letters A-Z)");
    }
    CheckLength(location.state(), kMaxStateBytes,
                "user_consent.user_location.state", v);
  }
  const bool in_usa = consent.user_location().country() == "USA";
  if (!consent.has_consent()) {
    if (in_usa) v->Add("user_consent.consent", "is required in the USA");
    return;
  }
  const v1::Consent& given = consent.consent();
  if (!IsKnownEnum(given.obtained())) {
    v->Add("user_consent.consent.obtained", "is not a known value");
  } else if (given.obtained() == v1::CONSENT_OBTAINED_UNSPECIFIED && in_usa) {
    v->Add("user_consent.consent.obtained", "is required in the USA");
  }
  if (given.has_obtained_time()) {
    const auto& t = given.obtained_time();
    if (t.seconds() < -62135596800LL || t.seconds() > 253402300799LL ||
        t.nanos() < 0 || t.nanos() > 999999999) {
      v->Add("user_consent.consent.obtained_time", "is not a valid timestamp");
    }
  } else if (given.obtained() == v1::CONSENT_OBTAINED_YES) {
    v->Add("user_consent.consent.obtained_time",
           "is required when consent was obtained");
  }
}

// http://127.0.0.1[:port]/..., http://localhost..., http://[::1]...: a receiver
// on this machine, which only the sandbox can call back.
bool IsLoopbackHttpUrl(absl::string_view url) {
  for (absl::string_view prefix : {"http://127.0.0.1:", "http://127.0.0.1/",
                                   "http://localhost:", "http://localhost/",
                                   "http://[::1]:", "http://[::1]/"}) {
    if (absl::StartsWith(url, prefix)) return !HasSpaceOrControl(url);
  }
  return false;
}

template <typename Request>
void CheckBody(const Request& r, const AccountBodyOptions& options,
               Violations* v) {
  CheckLength(r.customer_internal_reference(), kMaxReferenceBytes,
              "customer_internal_reference", v);
  CheckLength(r.user_reference(), kMaxReferenceBytes, "user_reference", v);
  CheckLength(r.reporting_criteria(), kMaxReportingCriteriaBytes,
              "reporting_criteria", v);
  if (!r.callback_url().empty() &&
      CheckLength(r.callback_url(), kMaxUrlBytes, "callback_url", v) &&
      !IsValidCallbackUrl(r.callback_url()) &&
      !(options.allow_loopback_http_callback_url &&
        IsLoopbackHttpUrl(r.callback_url()))) {
    v->Add("callback_url",
           "must be an https URL with a host name (no IP address, port, user "
           "info or fragment)");
  }
  if (r.has_token_lifetime()) {
    absl::StatusOr<std::string> lifetime =
        FormatTokenLifetime(r.token_lifetime());
    if (!lifetime.ok()) {
      v->Add("token_lifetime",
             "must be between 5 minutes and 60 days in whole seconds");
    }
  }
  if (r.has_web()) {
    const v1::WebSettings& web = r.web();
    for (const auto& [value, field] :
         {std::pair<const std::string&, const char*>{web.success_url(),
                                                     "web.success_url"},
          {web.error_url(), "web.error_url"}}) {
      if (!value.empty() && CheckLength(value, kMaxUrlBytes, field, v) &&
          !IsAbsoluteHttpUrl(value)) {
        v->Add(field, "must be an absolute http or https URL");
      }
    }
    if (!web.locale().empty() &&
        CheckLength(web.locale(), kMaxLocaleBytes, "web.locale", v) &&
        !IsLocale(web.locale())) {
      v->Add("web.locale",
             "must be an ISO 639-1 language code, optionally followed by '-' "
             "and an ISO 3166-1 alpha-2 country code (e.g. \"en-GB\")");
    }
  }
  if (!r.has_workflow_definition()) {
    v->Add("workflow_definition", "is required");
  } else {
    CheckWorkflowDefinition(r.workflow_definition(), v);
  }
  if (r.has_user_consent()) CheckUserConsent(r.user_consent(), v);
}

// ---------------------------------------------------------------------------
// Writing (after CheckBody passed).

void WriteSelection(
    JsonWriter* w, const char* key, v1::PredefinedType type,
    const google::protobuf::RepeatedPtrField<std::string>& values) {
  w->Key(key);
  w->StartObject();
  WriteString(w, "predefinedType", JumioName(type));
  w->Key("values");
  w->StartArray();
  for (const std::string& value : values) w->String(value.c_str());
  w->EndArray();
  w->EndObject();
}

void WriteWorkflowDefinition(const v1::WorkflowDefinition& definition,
                             JsonWriter* w) {
  w->Key("workflowDefinition");
  w->StartObject();
  w->Key("key");
  w->Int64(definition.key());
  if (definition.credentials_size() > 0) {
    w->Key("credentials");
    w->StartArray();
    for (const v1::CredentialDefinition& credential :
         definition.credentials()) {
      w->StartObject();
      WriteString(w, "id", credential.id());
      WriteString(w, "category", JumioName(credential.category()));
      if (credential.has_country()) {
        WriteSelection(w, "country", credential.country().predefined_type(),
                       credential.country().values());
      }
      if (credential.has_type()) {
        WriteSelection(w, "type", credential.type().predefined_type(),
                       credential.type().values());
      }
      w->EndObject();
    }
    w->EndArray();
  }
  if (definition.has_capabilities()) {
    const v1::CapabilityOptions& capabilities = definition.capabilities();
    w->Key("capabilities");
    w->StartObject();
    if (capabilities.has_watchlist_screening()) {
      w->Key(kWatchlistScreening.data());
      w->StartObject();
      WriteString(w, kAdditionalProperties.data(),
                  capabilities.watchlist_screening().additional_properties());
      WriteStructMembers(
          capabilities.watchlist_screening().additional_options(), w);
      w->EndObject();
    }
    WriteStructMembers(capabilities.additional_capabilities(), w);
    w->EndObject();
  }
  w->EndObject();
}

void WriteUserConsent(const v1::UserConsent& consent, JsonWriter* w) {
  w->Key("userConsent");
  w->StartObject();
  WriteString(w, "userIp", consent.user_ip());
  w->Key("userLocation");
  w->StartObject();
  WriteString(w, "country", consent.user_location().country());
  WriteString(w, "state", consent.user_location().state());
  w->EndObject();
  if (consent.has_consent()) {
    w->Key("consent");
    w->StartObject();
    // Jumio spells the values in lower case ("yes", "no", "na").
    WriteString(w, "obtained",
                absl::AsciiStrToLower(JumioName(consent.consent().obtained())));
    if (consent.consent().has_obtained_time()) {
      WriteString(w, "obtainedAt",
                  FormatJumioTime(consent.consent().obtained_time()));
    }
    w->EndObject();
  }
  w->EndObject();
}

template <typename Request>
absl::StatusOr<std::string> WriteBody(const Request& r,
                                      const AccountBodyOptions& options) {
  Violations violations;
  CheckBody(r, options, &violations);
  if (!violations.empty()) return violations.ToStatus();

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteString(&w, "customerInternalReference", r.customer_internal_reference());
  WriteString(&w, "userReference", r.user_reference());
  WriteString(&w, "reportingCriteria", r.reporting_criteria());
  WriteString(&w, "callbackUrl", r.callback_url());
  if (r.has_token_lifetime())
    WriteString(&w, "tokenLifetime", *FormatTokenLifetime(r.token_lifetime()));
  if (r.has_web()) {
    w.Key("web");
    w.StartObject();
    WriteString(&w, "successUrl", r.web().success_url());
    WriteString(&w, "errorUrl", r.web().error_url());
    WriteString(&w, "locale", r.web().locale());
    w.EndObject();
  }
  WriteWorkflowDefinition(r.workflow_definition(), &w);
  if (r.has_user_consent()) WriteUserConsent(r.user_consent(), &w);
  w.EndObject();
  if (!w.IsComplete()) {
    // Unreachable after CheckBody (it validates UTF-8); a guard against ever
    // forwarding a truncated body.
    return errors::Error(absl::StatusCode::kInternal, v1::ERROR_REASON_INTERNAL,
                         "account request body could not be written");
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

// ---------------------------------------------------------------------------
// Reading the request body (tolerant).

void ReadSelectionRequest(
    const JsonValue& json, v1::PredefinedType* type,
    google::protobuf::RepeatedPtrField<std::string>* values) {
  *type = ParseEnum<v1::PredefinedType>(StringMember(json, "predefinedType"));
  const JsonValue* list = Member(json, "values");
  if (list == nullptr || !list->IsArray()) return;
  for (const JsonValue& item : list->GetArray())
    if (item.IsString()) values->Add(item.GetString());
}

// ---------------------------------------------------------------------------
// Reading the response.

template <typename Response>
absl::StatusOr<Response> ReadAccountResponse(absl::string_view body,
                                             absl::string_view region,
                                             absl::string_view what) {
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, what, &doc);
  if (!status.ok()) return status;
  Response response;
  google::protobuf::Timestamp time;
  if (TimeMember(doc, "timestamp", &time))
    *response.mutable_response_time() = time;

  const JsonValue* account = nullptr;
  status = RequiredObject(doc, "account", true, what, "account", &account);
  if (!status.ok()) return status;
  std::string account_id;
  status =
      RequiredString(*account, "id", true, what, "account.id", &account_id);
  if (!status.ok()) return status;
  response.set_account_id(account_id);
  response.set_account(AccountName(region, account_id));

  const JsonValue* workflow = nullptr;
  status = RequiredObject(doc, "workflowExecution", true, what,
                          "workflowExecution", &workflow);
  if (!status.ok()) return status;
  status = ReadAcquisitionWorkflowExecution(
      *workflow, what, region, account_id, true,
      response.mutable_workflow_execution());
  if (!status.ok()) return status;

  if (const JsonValue* web = Member(doc, "web");
      web != nullptr && web->IsObject()) {
    v1::WebClient* client = response.mutable_web_client();
    client->set_href(StringMember(*web, "href"));
    client->set_success_url(StringMember(*web, "successUrl"));
    client->set_error_url(StringMember(*web, "errorUrl"));
  }
  if (const JsonValue* sdk = Member(doc, "sdk");
      sdk != nullptr && sdk->IsObject()) {
    response.mutable_sdk()->set_token(StringMember(*sdk, "token"));
  }
  if (const JsonValue* api = Member(doc, "api");
      api != nullptr && api->IsObject()) {
    // Workflow 16: the credential is named only by the part URLs.
    ReadCredentialApiAccess(*api, region, account_id,
                            response.workflow_execution().id(), "",
                            response.mutable_api());
  }
  return response;
}

}  // namespace

absl::StatusOr<std::string> FormatTokenLifetime(
    const google::protobuf::Duration& lifetime) {
  const int64_t s = lifetime.seconds();
  if (lifetime.nanos() != 0 || s < kMinTokenLifetimeSeconds ||
      s > kMaxTokenLifetimeSeconds) {
    return errors::InvalidField(
        "token_lifetime",
        "must be between 5 minutes and 60 days in whole seconds");
  }
  if (s % 86400 == 0) return absl::StrCat(s / 86400, "d");
  if (s % 3600 == 0) return absl::StrCat(s / 3600, "h");
  if (s % 60 == 0) return absl::StrCat(s / 60, "m");
  return absl::StrCat(s, "s");
}

bool ParseTokenLifetime(absl::string_view text,
                        google::protobuf::Duration* out) {
  if (text.size() < 2) return false;
  int64_t unit;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return false;
  }
  absl::string_view digits = text.substr(0, text.size() - 1);
  for (char c : digits)
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  int64_t count;
  if (!absl::SimpleAtoi(digits, &count) || count > INT64_MAX / unit)
    return false;
  out->set_seconds(count * unit);
  out->set_nanos(0);
  return true;
}

bool IsValidCallbackUrl(absl::string_view url) {
  if (HasSpaceOrControl(url) || absl::StrContains(url, '#')) return false;
  absl::string_view authority = Authority(url, {"https"});
  // No user info ('@') and no port (':'); IPv6 literals contain ':' too.
  if (authority.empty() || absl::StrContains(authority, '@') ||
      absl::StrContains(authority, ':')) {
    return false;
  }
  return IsHostName(authority);
}

absl::StatusOr<std::string> WriteCreateAccountBody(
    const v1::CreateAccountRequest& request,
    const AccountBodyOptions& options) {
  return WriteBody(request, options);
}

absl::StatusOr<std::string> WriteUpdateAccountBody(
    const v1::UpdateAccountRequest& request,
    const AccountBodyOptions& options) {
  return WriteBody(request, options);
}

absl::StatusOr<v1::CreateAccountRequest> ReadAccountRequestBody(
    absl::string_view body) {
  constexpr absl::string_view kWhat = "account request";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  v1::CreateAccountRequest r;
  r.set_customer_internal_reference(
      StringMember(doc, "customerInternalReference"));
  r.set_user_reference(StringMember(doc, "userReference"));
  r.set_reporting_criteria(StringMember(doc, "reportingCriteria"));
  r.set_callback_url(StringMember(doc, "callbackUrl"));
  google::protobuf::Duration lifetime;
  if (ParseTokenLifetime(StringMember(doc, "tokenLifetime"), &lifetime))
    *r.mutable_token_lifetime() = lifetime;
  if (const JsonValue* web = Member(doc, "web"); web && web->IsObject()) {
    r.mutable_web()->set_success_url(StringMember(*web, "successUrl"));
    r.mutable_web()->set_error_url(StringMember(*web, "errorUrl"));
    r.mutable_web()->set_locale(StringMember(*web, "locale"));
  }
  if (const JsonValue* def = Member(doc, "workflowDefinition");
      def && def->IsObject()) {
    v1::WorkflowDefinition* definition = r.mutable_workflow_definition();
    if (const JsonValue* key = Member(*def, "key")) {
      int64_t parsed = 0;
      if (key->IsInt64()) {
        definition->set_key(key->GetInt64());
      } else if (key->IsString() &&
                 absl::SimpleAtoi(key->GetString(), &parsed)) {
        definition->set_key(parsed);
      }
    }
    if (const JsonValue* creds = Member(*def, "credentials");
        creds && creds->IsArray()) {
      for (const JsonValue& item : creds->GetArray()) {
        if (!item.IsObject()) continue;
        v1::CredentialDefinition* c = definition->add_credentials();
        c->set_id(StringMember(item, "id"));
        std::string category = StringMember(item, "category");
        if (category.empty()) category = StringMember(item, "categrory");
        c->set_category(ParseEnum<v1::CredentialCategory>(category));
        if (const JsonValue* country = Member(item, "country");
            country && country->IsObject()) {
          v1::PredefinedType type;
          ReadSelectionRequest(*country, &type,
                               c->mutable_country()->mutable_values());
          c->mutable_country()->set_predefined_type(type);
        }
        if (const JsonValue* doc_type = Member(item, "type");
            doc_type && doc_type->IsObject()) {
          v1::PredefinedType type;
          ReadSelectionRequest(*doc_type, &type,
                               c->mutable_type()->mutable_values());
          c->mutable_type()->set_predefined_type(type);
        }
      }
    }
    if (const JsonValue* caps = Member(*def, "capabilities");
        caps && caps->IsObject()) {
      v1::CapabilityOptions* options = definition->mutable_capabilities();
      for (const auto& member : caps->GetObject()) {
        absl::string_view name(member.name.GetString(),
                               member.name.GetStringLength());
        if (name == kWatchlistScreening && member.value.IsObject()) {
          v1::WatchlistScreeningOptions* screening =
              options->mutable_watchlist_screening();
          for (const auto& option : member.value.GetObject()) {
            absl::string_view key(option.name.GetString(),
                                  option.name.GetStringLength());
            if (key == kAdditionalProperties && option.value.IsString()) {
              screening->set_additional_properties(option.value.GetString());
              continue;
            }
            status = JsonToValue(option.value, kWhat,
                                 &(*screening->mutable_additional_options()
                                        ->mutable_fields())[std::string(key)]);
            if (!status.ok()) return status;
          }
          continue;
        }
        status = JsonToValue(member.value, kWhat,
                             &(*options->mutable_additional_capabilities()
                                    ->mutable_fields())[std::string(name)]);
        if (!status.ok()) return status;
      }
    }
  }
  if (const JsonValue* consent = Member(doc, "userConsent");
      consent && consent->IsObject()) {
    v1::UserConsent* c = r.mutable_user_consent();
    c->set_user_ip(StringMember(*consent, "userIp"));
    if (const JsonValue* location = Member(*consent, "userLocation");
        location && location->IsObject()) {
      c->mutable_user_location()->set_country(
          StringMember(*location, "country"));
      c->mutable_user_location()->set_state(StringMember(*location, "state"));
    }
    if (const JsonValue* given = Member(*consent, "consent");
        given && given->IsObject()) {
      v1::Consent* g = c->mutable_consent();
      g->set_obtained(
          ParseEnum<v1::ConsentObtained>(StringMember(*given, "obtained")));
      google::protobuf::Timestamp at;
      if (TimeMember(*given, "obtainedAt", &at))
        *g->mutable_obtained_time() = at;
    }
  }
  return r;
}

absl::StatusOr<v1::CreateAccountResponse> ReadCreateAccountResponse(
    absl::string_view body, absl::string_view region) {
  return ReadAccountResponse<v1::CreateAccountResponse>(
      body, region, "account create response");
}

absl::StatusOr<v1::UpdateAccountResponse> ReadUpdateAccountResponse(
    absl::string_view body, absl::string_view region) {
  return ReadAccountResponse<v1::UpdateAccountResponse>(
      body, region, "account update response");
}

absl::StatusOr<v1::Account> ReadAccount(absl::string_view body,
                                        absl::string_view region,
                                        absl::string_view account_id) {
  constexpr absl::string_view kWhat = "account retrieval response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  const JsonValue* account = nullptr;
  status = RequiredObject(doc, "account", false, kWhat, "account", &account);
  if (!status.ok()) return status;
  std::string id;
  if (account != nullptr) {
    status = RequiredString(*account, "id", false, kWhat, "account.id", &id);
    if (!status.ok()) return status;
  }
  if (id.empty()) {
    status = RequiredString(doc, "id", false, kWhat, "id", &id);
    if (!status.ok()) return status;
  }
  if (id.empty()) id = std::string(account_id);

  v1::Account out;
  out.set_id(id);
  out.set_region(RegionFromId(region));
  out.set_name(AccountName(region, id));
  std::string href =
      account != nullptr ? StringMember(*account, "href") : std::string();
  if (href.empty()) href = StringMember(doc, "href");
  out.set_href(href);

  // Keep what the API does not model; the workflow execution list has its
  // own RPC.
  google::protobuf::Struct attributes;
  for (const JsonValue* source :
       {static_cast<const JsonValue*>(&doc), account}) {
    if (source == nullptr) continue;
    for (const auto& member : source->GetObject()) {
      absl::string_view name(member.name.GetString(),
                             member.name.GetStringLength());
      if (name == "id" || name == "href" || name == "workflowExecutions" ||
          (source == &doc && name == "account")) {
        continue;
      }
      status = JsonToValue(member.value, kWhat,
                           &(*attributes.mutable_fields())[std::string(name)]);
      if (!status.ok()) return status;
    }
  }
  if (attributes.fields_size() > 0) *out.mutable_attributes() = attributes;
  return out;
}

absl::StatusOr<std::vector<v1::WorkflowExecutionSummary>>
ReadAccountWorkflowExecutions(absl::string_view body, absl::string_view region,
                              absl::string_view account_id) {
  constexpr absl::string_view kWhat = "account retrieval response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  absl::StatusOr<v1::Account> account = ReadAccount(body, region, account_id);
  if (!account.ok()) return account.status();

  const JsonValue* list = Member(doc, "workflowExecutions");
  if (list == nullptr) {
    if (const JsonValue* nested = Member(doc, "account"))
      list = Member(*nested, "workflowExecutions");
  }
  std::vector<v1::WorkflowExecutionSummary> out;
  if (list == nullptr) return out;
  if (!list->IsArray())
    return Malformed(kWhat, "'workflowExecutions' is not an array");
  for (const JsonValue& item : list->GetArray()) {
    const JsonValue* source = &item;
    if (const JsonValue* nested = Member(item, "workflowExecution");
        nested != nullptr && nested->IsObject()) {
      source = nested;
    }
    if (!source->IsObject() || StringMember(*source, "id").empty()) continue;
    v1::WorkflowExecutionSummary summary;
    ReadWorkflowExecutionSummary(*source, nullptr, region, &summary);
    summary.set_account_id(account->id());
    summary.set_account(account->name());
    if (summary.name().empty()) {
      summary.set_name(
          WorkflowExecutionName(region, account->id(), summary.id()));
    }
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace jumio_gateway::codec
