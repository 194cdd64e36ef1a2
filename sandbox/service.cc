#include "sandbox/service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sandbox/images.h"
#include "sandbox/multipart_parse.h"
#include "server/core/json.h"

namespace jumio::sandbox {
namespace {

namespace http = jumio_gateway::http;

// Thin convenience over rapidjson's writer: Jumio bodies are mostly string
// members.
class Json {
 public:
  Json() : w_(buf_) {}
  Json& Obj() { return w_.StartObject(), *this; }
  Json& Obj(const char* k) { return Key(k), w_.StartObject(), *this; }
  Json& End() { return w_.EndObject(), *this; }
  Json& Arr(const char* k) { return Key(k), w_.StartArray(), *this; }
  Json& EndArr() { return w_.EndArray(), *this; }
  Json& Key(const char* k) { return w_.Key(k), *this; }
  Json& Str(const std::string& v) {
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  Json& Str(const char* k, const std::string& v) { return Key(k).Str(v); }
  Json& Int(const char* k, int64_t v) { return Key(k), w_.Int64(v), *this; }
  Json& Dbl(const char* k, double v) { return Key(k), w_.Double(v), *this; }
  Json& Raw(const char* k, const std::string& json) {
    Key(k);
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  std::string Done() { return std::string(buf_.GetString(), buf_.GetSize()); }

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

void WriteJson(http::Response& res, std::string body) {
  res.SetContent(200, std::move(body), "application/json");
}

}  // namespace

void WriteProblem(http::Response& res, int status, const std::string& detail,
                  const std::string& field) {
  Json j;
  j.Obj()
      .Str("title", std::string(http::ReasonPhrase(status)))
      .Int("status", status)
      .Str("detail", detail);
  if (!field.empty()) j.Str("field", field);
  j.End();
  res.SetContent(status, j.Done(), "application/problem+json");
}

Service::Service(const ServiceOptions& options, const Clock* clock,
                 IdSource* ids, Authenticator* auth, CallbackSender* callbacks)
    : options_(options),
      clock_(clock),
      ids_(ids),
      auth_(auth),
      callbacks_(callbacks) {}

Service::RegionState* Service::Region(const std::string& name) {
  for (size_t i = 0; i < kRegions.size(); ++i) {
    if (name == kRegions[i]) return &regions_[i];
  }
  return nullptr;
}

std::string Service::Now() const { return Timestamp(clock_->Now()); }

absl::Status Service::SetHealth(const std::string& region,
                                const std::string& json) {
  RegionState* st = Region(region);
  if (st == nullptr) return absl::NotFoundError("unknown region");
  rapidjson::Document d;
  if (!jumio_gateway::core::ParseJson(json, &d).ok() || !d.IsObject() ||
      !d.HasMember("status") || !d["status"].IsString()) {
    return FieldError("status",
                      "health body needs a string status (UP, DEGRADED, DOWN)");
  }
  absl::MutexLock lock(&st->mu);
  st->health = json;
  return absl::OkStatus();
}

void Service::Handle(const Route& r, const http::Request& req,
                     http::Response& res) {
  std::vector<std::string> seg = absl::StrSplit(r.path, '/', absl::SkipEmpty());
  if (r.host_kind == "status") {
    if (req.method != "GET" || !seg.empty())
      return WriteProblem(res, 404, "no such resource");
    RegionState* st = Region(r.region);
    absl::MutexLock lock(&st->mu);
    return WriteJson(res, st->health);
  }
  if (r.host_kind == "auth") {
    if (seg.size() == 2 && seg[0] == "oauth2" && seg[1] == "token") {
      if (req.method != "POST") return WriteProblem(res, 405, "use POST");
      return OAuthToken(r, req, res);
    }
    return WriteProblem(res, 404, "no such resource");
  }
  if (r.host_kind == "web") {
    // The hosted web client cannot be emulated; a placeholder keeps web.href
    // resolvable.
    res.SetContent(200,
                   "<!doctype html><title>jumio-sandbox</title><p>Web client "
                   "placeholder</p>",
                   "text/html");
    return;
  }
  const bool api_prefix = seg.size() >= 3 && seg[0] == "api" && seg[1] == "v1";
  if (!api_prefix) return WriteProblem(res, 404, "no such resource");
  if (r.host_kind == "account") {
    if (seg.size() == 3 && seg[2] == "accounts" && req.method == "POST") {
      if (!Authorize(r, req, res, "")) return;
      return CreateOrUpdateAccount(r, req, res, "");
    }
    if (seg.size() == 4 && seg[2] == "accounts" && req.method == "PUT") {
      if (!Authorize(r, req, res, "")) return;
      return CreateOrUpdateAccount(r, req, res, seg[3]);
    }
    return WriteProblem(res,
                        seg.size() <= 4 && seg[2] == "accounts" ? 405 : 404,
                        "no such resource or method");
  }
  if (r.host_kind == "api") {
    if (seg.size() == 10 && seg[2] == "accounts" &&
        seg[4] == "workflow-executions" && seg[6] == "credentials" &&
        seg[8] == "parts") {
      if (req.method != "POST" && req.method != "PUT") {
        return WriteProblem(res, 405,
                            "use POST to add a part or PUT to replace it");
      }
      if (!Authorize(r, req, res, seg[5])) return;
      return UploadPart(r, req, res, seg);
    }
    if (seg.size() == 6 && seg[2] == "accounts" &&
        seg[4] == "workflow-executions") {
      if (req.method != "PUT")
        return WriteProblem(res, 405, "use PUT to finalize");
      if (!Authorize(r, req, res, seg[5])) return;
      return Finalize(r, res, seg[3], seg[5]);
    }
    return WriteProblem(res, 404, "no such resource");
  }
  if (r.host_kind == "retrieval") {
    if (!Authorize(r, req, res, "")) return;
    return Retrieval(r, req, res, seg);
  }
  WriteProblem(res, 404, "no such resource");
}

void Service::OAuthToken(const Route& r, const http::Request& req,
                         http::Response& res) {
  auto oauth_error = [&](int status, const char* error,
                         const char* description) {
    Json j;
    j.Obj().Str("error", error).Str("error_description", description).End();
    res.SetContent(status, j.Done(), "application/json");
  };
  if (!absl::StartsWith(req.Header("Content-Type"),
                        "application/x-www-form-urlencoded")) {
    return oauth_error(
        400, "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded");
  }
  const auto form = http::ParseQuery(req.body);
  auto param = [&form](const char* k) { return http::QueryValue(form, k); };
  const std::string grant = param("grant_type");
  if (grant.empty())
    return oauth_error(400, "invalid_request", "grant_type is required");
  if (grant != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type",
                       "only client_credentials is supported");
  }
  std::string id, secret;
  if (!Authenticator::DecodeBasic(req.Header("Authorization"), &id, &secret)) {
    id = param("client_id");
    secret = param("client_secret");
  }
  if (id.empty()) {
    res.SetHeader("WWW-Authenticate", "Basic realm=\"jumio-sandbox\"");
    return oauth_error(401, "invalid_client",
                       "client authentication is required");
  }
  if (!auth_->CheckClient(id, secret)) {
    res.SetHeader("WWW-Authenticate", "Basic realm=\"jumio-sandbox\"");
    return oauth_error(401, "invalid_client", "client authentication failed");
  }
  const std::string token = auth_->Issue(r.region);
  Json j;
  j.Obj()
      .Str("access_token", token)
      .Int("expires_in",
           std::max<int64_t>(1, absl::ToInt64Seconds(auth_->ttl())))
      .Str("token_type", "Bearer")
      .End();
  res.SetHeader("Cache-Control", "no-store");
  WriteJson(res, j.Done());
}

bool Service::Authorize(const Route& r, const http::Request& req,
                        http::Response& res, const std::string& workflow_id) {
  const std::string header = req.Header("Authorization");
  AuthVerdict v = auth_->Check(r.region, header);
  if (v == AuthVerdict::kInvalid && !workflow_id.empty() &&
      absl::StartsWithIgnoreCase(header, "Bearer ")) {
    // The API host also takes the credential's api.token for its own workflow
    // execution.
    const std::string token(
        absl::StripAsciiWhitespace(absl::string_view(header).substr(7)));
    for (const char* region : kRegions) {
      RegionState* st = Region(region);
      absl::ReaderMutexLock lock(&st->mu);
      auto it = st->api_tokens.find(token);
      if (it == st->api_tokens.end()) continue;
      v = (region == r.region && it->second.workflow_id == workflow_id)
              ? AuthVerdict::kOk
              : AuthVerdict::kOtherRegion;
      break;
    }
  }
  switch (v) {
    case AuthVerdict::kOk:
      return true;
    case AuthVerdict::kMissing:
      res.SetHeader("WWW-Authenticate", "Bearer");
      WriteProblem(res, 401, "Authorization header is missing");
      return false;
    case AuthVerdict::kExpired:
      res.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      WriteProblem(res, 401, "access token expired");
      return false;
    case AuthVerdict::kOtherRegion:
      WriteProblem(res, 403, "token is not valid for this region or resource");
      return false;
    case AuthVerdict::kInvalid:
      res.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      WriteProblem(res, 401, "invalid credentials or access token");
      return false;
  }
  return false;
}

void Service::CreateOrUpdateAccount(const Route& r, const http::Request& req,
                                    http::Response& res,
                                    const std::string& account_id) {
  if (!absl::StartsWith(req.Header("Content-Type"), "application/json")) {
    return WriteProblem(res, 400, "Content-Type must be application/json",
                        "Content-Type");
  }
  auto parsed = ParseAccountRequest(req.body, {options_.allow_http_callbacks});
  if (!parsed.ok())
    return WriteProblem(res, 400, std::string(parsed.status().message()),
                        FieldOf(parsed.status()));
  AccountRequest& ar = *parsed;
  const WorkflowDef* def = FindWorkflow(ar.workflow_key);
  if (def == nullptr) {
    return WriteProblem(res, 400,
                        absl::StrCat("workflowDefinition.key ", ar.workflow_key,
                                     " is not configured for this tenant"),
                        "workflowDefinition.key");
  }
  if (def->update_only && account_id.empty()) {
    return WriteProblem(
        res, 400,
        absl::StrCat(
            "workflow ", def->key,
            " needs an existing account: use PUT /api/v1/accounts/<id>"),
        "workflowDefinition.key");
  }
  auto directive =
      ParseDirective(ar.user_reference, ar.customer_internal_reference, *def);
  if (!directive.ok()) {
    return WriteProblem(res, 400, std::string(directive.status().message()),
                        FieldOf(directive.status()));
  }
  // Which credentials this execution has: the definition's, customised by the
  // request.
  struct Planned {
    CredentialDef def;
    const CredentialRequest* req = nullptr;
  };
  std::vector<Planned> plan;
  if (def->credentials_from_request && !ar.credentials.empty()) {
    if (ar.credentials.size() != 2) {
      return WriteProblem(res, 400,
                          "workflow 20 compares exactly two credentials",
                          "workflowDefinition.credentials");
    }
    for (const auto& c : ar.credentials) {
      if (c.category != "ID" && c.category != "SELFIE") {
        return WriteProblem(res, 400,
                            "workflow 20 credentials must be ID or SELFIE",
                            "workflowDefinition.credentials");
      }
      plan.push_back({{c.category, {"API"}}, &c});
    }
  } else {
    for (const auto& c : def->credentials) plan.push_back({c, nullptr});
    for (size_t i = 0; i < ar.credentials.size(); ++i) {
      const auto& c = ar.credentials[i];
      auto it = std::find_if(plan.begin(), plan.end(), [&](const Planned& p) {
        return p.def.category == c.category && p.req == nullptr;
      });
      if (it == plan.end()) {
        return WriteProblem(
            res, 400,
            absl::StrCat("category ", c.category, " is not part of workflow ",
                         def->key),
            absl::StrCat("workflowDefinition.credentials[", i, "].category"));
      }
      it->req = &c;
    }
  }
  RegionState* st = Region(r.region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  Account* account;
  if (account_id.empty()) {
    Account a;
    a.id = ids_->Uuid();
    a.created_at = now;
    account = &st->accounts.emplace(a.id, std::move(a)).first->second;
  } else {
    auto it = st->accounts.find(account_id);
    if (it == st->accounts.end())
      return WriteProblem(res, 404, "account not found");
    account = &it->second;
  }
  // Workflow 5 names the ID credential on file; it must exist before anything
  // is changed.
  for (const auto& p : plan) {
    if (p.req != nullptr && !p.req->id.empty() &&
        !account->credentials.count(p.req->id)) {
      return WriteProblem(
          res, 400, absl::StrCat("credential ", p.req->id, " is not on file"),
          "workflowDefinition.credentials.id");
    }
  }
  if (def->key == 5) {
    const bool has_id =
        std::any_of(plan.begin(), plan.end(), [](const Planned& p) {
          return p.def.category == "ID" && p.req != nullptr &&
                 !p.req->id.empty();
        });
    if (!has_id) {
      return WriteProblem(res, 400,
                          "workflow 5 needs the id of an ID credential on file",
                          "workflowDefinition.credentials");
    }
  }
  account->updated_at = now;
  if (!ar.customer_internal_reference.empty()) {
    account->customer_internal_reference = ar.customer_internal_reference;
  }
  if (!ar.user_reference.empty()) account->user_reference = ar.user_reference;
  Workflow w;
  w.id = ids_->Uuid();
  w.account_id = account->id;
  w.def = def;
  w.created_at = now;
  const double scale = std::max(options_.time_scale, 1e-9);
  w.token_deadline = now + ar.token_lifetime / scale;
  w.user_reference = ar.user_reference;
  w.customer_internal_reference = ar.customer_internal_reference;
  w.callback_url = ar.callback_url;
  w.directive = *directive;
  if (w.directive.kind == Directive::Kind::kTokenExpired ||
      w.directive.kind == Directive::Kind::kSessionExpired) {
    w.token_deadline = now + options_.processing_delay;
  }
  w.sdk_token = ids_->Token(32);
  w.web_token = ids_->Token(32);
  for (const auto& p : plan) {
    if (p.req != nullptr && !p.req->id.empty()) {
      w.credential_ids.push_back(p.req->id);
      w.reused_ids.insert(p.req->id);
      continue;
    }
    Credential c;
    c.id = ids_->Uuid();
    c.category = p.def.category;
    c.channels = p.def.channels;
    if (p.req != nullptr) {
      c.countries = p.req->countries;
      c.types = p.req->types;
    }
    c.workflow_id = w.id;
    if (AllowsChannel(c.channels, "API") ||
        !UploadableParts(c.category, def->facemap_upload).empty()) {
      c.api_token = ids_->Token(32);
      st->api_tokens[c.api_token] = TokenRef{account->id, w.id};
    }
    w.credential_ids.push_back(c.id);
    account->credentials.emplace(c.id, std::move(c));
  }
  st->workflow_account[w.id] = account->id;
  st->active.emplace(account->id, w.id);
  account->workflow_order.push_back(w.id);
  auto& stored = account->workflows.emplace(w.id, std::move(w)).first->second;
  WriteJson(res, AccountResponse(r.region, *account, stored, ar));
}

std::string Service::AccountResponse(const std::string& region,
                                     const Account& a, const Workflow& w,
                                     const AccountRequest& ar) const {
  bool web = false, sdk = false;
  for (const auto& id : w.credential_ids) {
    const Credential& c = a.credentials.at(id);
    if (w.reused_ids.count(id)) continue;
    web |= AllowsChannel(c.channels, "WEB");
    sdk |= AllowsChannel(c.channels, "SDK");
  }
  Json j;
  j.Obj().Str("timestamp", Now()).Obj("account").Str("id", a.id).End();
  if (web) {
    std::string href = absl::StrCat(
        BaseUrl(region, "web"), "/web/v4/app?authorizationToken=", w.web_token);
    if (!ar.locale.empty()) absl::StrAppend(&href, "&locale=", ar.locale);
    j.Obj("web").Str("href", href);
    if (!ar.success_url.empty()) j.Str("successUrl", ar.success_url);
    if (!ar.error_url.empty()) j.Str("errorUrl", ar.error_url);
    j.End();
  }
  if (sdk) j.Obj("sdk").Str("token", w.sdk_token).End();
  const std::string wf_href =
      absl::StrCat(BaseUrl(region, "api"), "/api/v1/accounts/", a.id,
                   "/workflow-executions/", w.id);
  j.Obj("workflowExecution").Str("id", w.id).Arr("credentials");
  for (const auto& id : w.credential_ids) {
    const Credential& c = a.credentials.at(id);
    const bool reused = w.reused_ids.count(id) > 0;
    j.Obj().Str("id", c.id).Str("category", c.category).Arr("allowedChannels");
    if (!reused) {
      for (const auto& ch : c.channels) j.Str(ch);
    }
    j.EndArr();
    const auto parts = UploadableParts(c.category, w.def->facemap_upload);
    if (!reused && !c.api_token.empty() && !parts.empty()) {
      j.Obj("api").Str("token", c.api_token).Obj("parts");
      for (const auto& p : parts) {
        j.Str(absl::AsciiStrToLower(p).c_str(),
              absl::StrCat(wf_href, "/credentials/", c.id, "/parts/", p));
      }
      j.End().Str("workflowExecution", wf_href).End();
    }
    j.End();
  }
  j.EndArr().End().End();
  return j.Done();
}

void Service::UploadPart(const Route& r, const http::Request& req,
                         http::Response& res,
                         const std::vector<std::string>& seg) {
  const std::string& account_id = seg[3];
  const std::string& workflow_id = seg[5];
  const std::string& credential_id = seg[7];
  const std::string classifier = absl::AsciiStrToUpper(seg[9]);
  // Parse and check the payload before taking the lock: it is the expensive
  // part.
  std::string bytes;
  std::string content_type;
  const std::string request_type = req.Header("Content-Type");
  const bool json_body = absl::StartsWith(request_type, "application/json");
  if (classifier == "PREPARED_DATA" && json_body) {
    bytes = req.body;
  } else if (!IsMultipartFormData(request_type)) {
    return WriteProblem(
        res, 400, "upload the part as multipart/form-data with a 'file' field",
        "file");
  } else {
    auto form = ParseMultipart(request_type, req.body);
    if (!form.ok()) {
      return WriteProblem(res, 400, std::string(form.status().message()),
                          "file");
    }
    const MultipartPart* file = FindPart(*form, "file");
    if (file == nullptr) {
      return WriteProblem(res, 400, "multipart body has no 'file' field",
                          "file");
    }
    bytes = std::string(file->data);
  }
  if (bytes.empty()) return WriteProblem(res, 400, "file is empty", "file");
  if (bytes.size() > options_.max_image_bytes) {
    return WriteProblem(
        res, 400,
        absl::StrCat("file is ", bytes.size(), " bytes; the limit is ",
                     options_.max_image_bytes, " bytes"),
        "file");
  }
  if (classifier == "PREPARED_DATA") {
    rapidjson::Document d;
    if (!jumio_gateway::core::ParseJson(bytes, &d).ok() || !d.IsObject()) {
      return WriteProblem(res, 400, "prepared data must be a JSON object",
                          "file");
    }
    content_type = "application/json";
  } else if (classifier == "FACEMAP") {
    content_type = "application/octet-stream";
  } else if (options_.accept_pdf_parts &&
             (classifier == "FRONT" || classifier == "BACK") &&
             absl::StartsWith(bytes, "%PDF-")) {
    content_type = "application/pdf";
  } else {
    auto info = InspectImage(bytes);
    if (!info.ok())
      return WriteProblem(res, 400, std::string(info.status().message()),
                          "file");
    if (info->width > kMaxImageSide || info->height > kMaxImageSide) {
      return WriteProblem(
          res, 400,
          absl::StrCat("image is ", info->width, "x", info->height,
                       "; the maximum resolution is 8000x8000"),
          "file");
    }
    content_type = info->content_type;
  }
  RegionState* st = Region(r.region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  auto ait = st->accounts.find(account_id);
  if (ait == st->accounts.end())
    return WriteProblem(res, 404, "account not found");
  Account& a = ait->second;
  auto wit = a.workflows.find(workflow_id);
  if (wit == a.workflows.end())
    return WriteProblem(res, 404, "workflow execution not found");
  Workflow& w = wit->second;
  auto cit = a.credentials.find(credential_id);
  if (cit == a.credentials.end() ||
      std::find(w.credential_ids.begin(), w.credential_ids.end(),
                credential_id) == w.credential_ids.end()) {
    return WriteProblem(res, 404,
                        "credential not found in this workflow execution");
  }
  Credential& c = cit->second;
  if (w.reused_ids.count(credential_id)) {
    return WriteProblem(res, 400, "credential is on file and takes no uploads",
                        "credentialId");
  }
  const auto parts = UploadableParts(c.category, w.def->facemap_upload);
  if (std::find(parts.begin(), parts.end(), classifier) == parts.end()) {
    if (classifier == "FACEMAP") {
      return WriteProblem(res, 400,
                          "a FACEMAP cannot be uploaded over the API channel",
                          "classifier");
    }
    return WriteProblem(
        res, 400,
        absl::StrCat("classifier ", classifier, " does not apply to a ",
                     c.category, " credential"),
        "classifier");
  }
  MaybeExpire(r.region, st, &w, now);
  if (w.status != "INITIATED") {
    return WriteProblem(
        res, 400,
        absl::StrCat("workflow execution is ", w.status, "; no more uploads"));
  }
  const bool exists = c.parts.count(classifier) > 0;
  if (req.method == "POST" && exists) {
    return WriteProblem(
        res, 400,
        absl::StrCat("part ", classifier, " already exists; PUT replaces it"),
        "classifier");
  }
  c.parts[classifier] = Part{
      content_type, std::make_shared<const std::string>(std::move(bytes)), now};
  // Each upload is an action that restarts Jumio's 15-minute session timeout.
  w.session_started = true;
  const double scale = std::max(options_.time_scale, 1e-9);
  w.session_deadline = w.directive.kind == Directive::Kind::kSessionExpired
                           ? now + options_.processing_delay
                           : now + absl::Minutes(15) / scale;
  WriteJson(res, PartsResponse(r.region, a, w, c));
}

std::string Service::PartsResponse(const std::string& region, const Account& a,
                                   const Workflow& w,
                                   const Credential& c) const {
  const std::string wf_href =
      absl::StrCat(BaseUrl(region, "api"), "/api/v1/accounts/", a.id,
                   "/workflow-executions/", w.id);
  Json j;
  j.Obj().Str("timestamp", Now());
  j.Obj("account").Str("id", a.id).End();
  j.Obj("workflowExecution").Str("id", w.id).End();
  j.Obj("api");
  if (c.category != "DATA") j.Str("token", c.api_token);
  j.Obj("parts");
  for (const auto& p : UploadableParts(c.category, w.def->facemap_upload)) {
    j.Str(absl::AsciiStrToLower(p).c_str(),
          absl::StrCat(wf_href, "/credentials/", c.id, "/parts/", p));
  }
  j.End().Str("workflowExecution", wf_href).End().End();
  return j.Done();
}

void Service::Finalize(const Route& r, http::Response& res,
                       const std::string& account_id,
                       const std::string& workflow_id) {
  RegionState* st = Region(r.region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  auto ait = st->accounts.find(account_id);
  if (ait == st->accounts.end())
    return WriteProblem(res, 404, "account not found");
  auto wit = ait->second.workflows.find(workflow_id);
  if (wit == ait->second.workflows.end()) {
    return WriteProblem(res, 404, "workflow execution not found");
  }
  Workflow& w = wit->second;
  MaybeExpire(r.region, st, &w, now);
  if (w.status != "INITIATED") {
    return WriteProblem(
        res, 400, absl::StrCat("workflow execution is already ", w.status));
  }
  w.status = "ACQUIRED";
  w.started_at = now;
  w.process_due = now + options_.processing_delay;
  Json j;
  j.Obj().Str("timestamp", Timestamp(now));
  j.Obj("account").Str("id", account_id).End();
  j.Obj("workflowExecution").Str("id", workflow_id).End().End();
  WriteJson(res, j.Done());
}

void Service::MaybeExpire(const std::string& region, RegionState* st,
                          Workflow* w, absl::Time now) {
  if (w->status != "INITIATED") return;
  std::string status;
  if (w->session_started) {
    if (now >= w->session_deadline) status = "SESSION_EXPIRED";
  } else if (now >= w->token_deadline) {
    status = w->directive.kind == Directive::Kind::kSessionExpired
                 ? "SESSION_EXPIRED"
                 : "TOKEN_EXPIRED";
  }
  if (status.empty()) return;
  w->status = status;
  w->completed_at = now;
  st->active.erase({w->account_id, w->id});
  SendCallback(region, *w);
}

void Service::Complete(const std::string& region, RegionState* st, Workflow* w,
                       absl::Time now) {
  const Account& a = st->accounts.at(w->account_id);
  std::vector<CredentialView> views;
  for (const auto& id : w->credential_ids) {
    auto it = a.credentials.find(id);
    if (it == a.credentials.end()) continue;
    const Credential& c = it->second;
    const bool reused = w->reused_ids.count(id) > 0;
    views.push_back({c.id, c.category,
                     reused || c.parts.count(RequiredPart(c.category)) > 0});
  }
  w->outcome = ComputeOutcome(*w->def, views, w->directive,
                              [this] { return ids_->Uuid(); });
  w->status = "PROCESSED";
  w->completed_at = now;
  st->active.erase({w->account_id, w->id});
  SendCallback(region, *w);
}

void Service::SendCallback(const std::string& region, const Workflow& w) {
  if (w.callback_url.empty()) return;
  const std::string base = BaseUrl(region, "retrieval");
  Json j;
  j.Obj().Str("callbackSentAt", Now());
  if (!w.user_reference.empty()) j.Str("userReference", w.user_reference);
  j.Obj("workflowExecution")
      .Str("id", w.id)
      .Str("href", absl::StrCat(base, "/api/v1/accounts/", w.account_id,
                                "/workflow-executions/", w.id))
      .Str("definitionKey", absl::StrCat(w.def->key))
      .Str("status", w.status)
      .End();
  j.Obj("account")
      .Str("id", w.account_id)
      .Str("href", absl::StrCat(base, "/api/v1/accounts/", w.account_id))
      .End()
      .End();
  callbacks_->Enqueue(w.callback_url, j.Done(), w.id);
}

void Service::Tick() {
  const absl::Time now = clock_->Now();
  for (size_t i = 0; i < regions_.size(); ++i) {
    RegionState* st = &regions_[i];
    absl::MutexLock lock(&st->mu);
    if (st->active.empty()) continue;
    std::vector<std::pair<std::string, std::string>> active(st->active.begin(),
                                                            st->active.end());
    for (const auto& [account_id, workflow_id] : active) {
      auto ait = st->accounts.find(account_id);
      if (ait == st->accounts.end()) continue;
      auto wit = ait->second.workflows.find(workflow_id);
      if (wit == ait->second.workflows.end()) continue;
      Workflow& w = wit->second;
      if (w.status == "ACQUIRED" && now >= w.process_due) {
        Complete(kRegions[i], st, &w, now);
      } else {
        MaybeExpire(kRegions[i], st, &w, now);
      }
    }
  }
}

void Service::Retrieval(const Route& r, const http::Request& req,
                        http::Response& res,
                        const std::vector<std::string>& seg) {
  if (seg[2] != "accounts" || seg.size() < 4)
    return WriteProblem(res, 404, "no such resource");
  RegionState* st = Region(r.region);
  const std::string& account_id = seg[3];
  if (req.method == "DELETE") {
    absl::MutexLock lock(&st->mu);
    auto ait = st->accounts.find(account_id);
    if (ait == st->accounts.end())
      return WriteProblem(res, 404, "account not found");
    Account& a = ait->second;
    if (seg.size() == 4) {
      for (const auto& [id, c] : a.credentials)
        st->api_tokens.erase(c.api_token);
      for (const auto& [id, w] : a.workflows) {
        st->workflow_account.erase(id);
        st->active.erase({a.id, id});
      }
      st->accounts.erase(ait);
      res.status = 200;
      return;
    }
    if (seg.size() == 6 && seg[4] == "workflow-executions") {
      auto wit = a.workflows.find(seg[5]);
      if (wit == a.workflows.end())
        return WriteProblem(res, 404, "workflow execution not found");
      for (auto it = a.credentials.begin(); it != a.credentials.end();) {
        if (it->second.workflow_id == seg[5]) {
          st->api_tokens.erase(it->second.api_token);
          it = a.credentials.erase(it);
        } else {
          ++it;
        }
      }
      st->workflow_account.erase(seg[5]);
      st->active.erase({a.id, seg[5]});
      a.workflows.erase(wit);
      a.workflow_order.erase(
          std::remove(a.workflow_order.begin(), a.workflow_order.end(), seg[5]),
          a.workflow_order.end());
      res.status = 200;
      return;
    }
    return WriteProblem(res, 404, "no such resource");
  }
  if (req.method != "GET") return WriteProblem(res, 405, "use GET or DELETE");
  const absl::Time now = clock_->Now();
  // Lazy expiry needs the writer lock; the common retrieval path only reads.
  {
    absl::ReaderMutexLock lock(&st->mu);
    auto ait = st->accounts.find(account_id);
    if (ait == st->accounts.end())
      return WriteProblem(res, 404, "account not found");
    const Account& a = ait->second;
    if (seg.size() == 4) return WriteJson(res, AccountJson(r.region, a));
    if (seg.size() == 7 && seg[4] == "credentials" && seg[6] == "parts") {
      return WriteProblem(res, 404, "no such resource");
    }
    if (seg.size() == 8 && seg[4] == "credentials" && seg[6] == "parts") {
      auto cit = a.credentials.find(seg[5]);
      if (cit == a.credentials.end())
        return WriteProblem(res, 404, "credential not found");
      auto pit = cit->second.parts.find(absl::AsciiStrToUpper(seg[7]));
      if (pit == cit->second.parts.end())
        return WriteProblem(res, 404, "part not found");
      res.SetContent(200, *pit->second.bytes, pit->second.content_type);
      return;
    }
    if (seg.size() < 6 || seg[4] != "workflow-executions" || seg.size() > 7) {
      return WriteProblem(res, 404, "no such resource");
    }
    auto wit = a.workflows.find(seg[5]);
    if (wit == a.workflows.end())
      return WriteProblem(res, 404, "workflow execution not found");
    const Workflow& w = wit->second;
    const bool needs_expiry = w.status == "INITIATED" &&
                              (w.session_started ? now >= w.session_deadline
                                                 : now >= w.token_deadline);
    if (!needs_expiry) {
      if (seg.size() == 6) return WriteJson(res, DetailsJson(r.region, a, w));
      if (seg[6] == "status") return WriteJson(res, StatusJson(r.region, a, w));
      if (seg[6] == "steps") return WriteJson(res, StepsJson(w));
      return WriteProblem(res, 404, "no such resource");
    }
  }
  {
    absl::MutexLock lock(&st->mu);
    auto ait = st->accounts.find(account_id);
    if (ait != st->accounts.end()) {
      auto wit = ait->second.workflows.find(seg[5]);
      if (wit != ait->second.workflows.end())
        MaybeExpire(r.region, st, &wit->second, now);
    }
  }
  Retrieval(r, req, res, seg);
}

std::string Service::StatusJson(const std::string& region, const Account& a,
                                const Workflow& w) const {
  const std::string base =
      BaseUrl(region, "retrieval") + "/api/v1/accounts/" + a.id;
  Json j;
  j.Obj().Obj("account").Str("id", a.id).Str("href", base).End();
  j.Obj("workflowExecution")
      .Str("id", w.id)
      .Str("href", base + "/workflow-executions/" + w.id)
      .Str("definitionKey", absl::StrCat(w.def->key))
      .Str("status", w.status)
      .End()
      .End();
  return j.Done();
}

std::string Service::AccountJson(const std::string& region,
                                 const Account& a) const {
  const std::string base =
      BaseUrl(region, "retrieval") + "/api/v1/accounts/" + a.id;
  Json j;
  j.Obj()
      .Str("timestamp", Now())
      .Obj("account")
      .Str("id", a.id)
      .Str("href", base);
  j.Str("createdAt", Timestamp(a.created_at))
      .Str("updatedAt", Timestamp(a.updated_at));
  if (!a.customer_internal_reference.empty()) {
    j.Str("customerInternalReference", a.customer_internal_reference);
  }
  if (!a.user_reference.empty()) j.Str("userReference", a.user_reference);
  j.End().Arr("workflowExecutions");
  for (const auto& id : a.workflow_order) {
    const Workflow& w = a.workflows.at(id);
    j.Obj()
        .Str("id", w.id)
        .Str("href", base + "/workflow-executions/" + w.id)
        .Str("definitionKey", absl::StrCat(w.def->key))
        .Str("status", w.status)
        .End();
  }
  j.EndArr().End();
  return j.Done();
}

std::string Service::StepsJson(const Workflow& w) const {
  Json j;
  j.Obj().Arr("steps");
  if (w.outcome.has_value()) {
    for (const auto& s : w.outcome->steps) {
      j.Obj().Str("id", s.id).Str("name", s.name).Arr("capabilityIds");
      for (const auto& id : s.capability_ids) j.Str(id);
      j.EndArr()
          .Obj("decision")
          .Str("type", s.type)
          .Obj("details")
          .Str("label", s.type)
          .End();
      j.End().End();
    }
  }
  j.EndArr().End();
  return j.Done();
}

std::string Service::DetailsJson(const std::string& region, const Account& a,
                                 const Workflow& w) const {
  const std::string base =
      BaseUrl(region, "retrieval") + "/api/v1/accounts/" + a.id;
  Json j;
  j.Obj().Obj("workflow").Str("id", w.id).Str("status", w.status);
  j.Str("definitionKey", absl::StrCat(w.def->key));
  if (!w.user_reference.empty()) j.Str("userReference", w.user_reference);
  if (!w.customer_internal_reference.empty()) {
    j.Str("customerInternalReference", w.customer_internal_reference);
  }
  j.End().Obj("account").Str("id", a.id).End();
  j.Str("createdAt", Timestamp(w.created_at));
  if (w.started_at) j.Str("startedAt", Timestamp(*w.started_at));
  if (w.completed_at) j.Str("completedAt", Timestamp(*w.completed_at));
  j.Arr("credentials");
  const Credential* id_credential = nullptr;
  std::string prepared;
  for (const auto& id : w.credential_ids) {
    auto it = a.credentials.find(id);
    if (it == a.credentials.end()) continue;
    const Credential& c = it->second;
    if (c.category == "ID" && id_credential == nullptr) id_credential = &c;
    auto pd = c.parts.find("PREPARED_DATA");
    if (pd != c.parts.end()) prepared = *pd->second.bytes;
    j.Obj().Str("id", c.id).Str("category", c.category).Arr("parts");
    for (const auto& [cls, part] : c.parts) {
      j.Obj()
          .Str("classifier", cls)
          .Str("href", base + "/credentials/" + c.id + "/parts/" + cls)
          .End();
    }
    j.EndArr().End();
  }
  j.EndArr();
  if (w.outcome.has_value()) {
    const Outcome& o = *w.outcome;
    j.Obj("decision")
        .Str("type", o.type)
        .Obj("details")
        .Str("label", o.label)
        .End();
    j.Obj("risk").Dbl("score", o.risk_score).End().End();
    j.Obj("steps")
        .Str("href", base + "/workflow-executions/" + w.id + "/steps")
        .End();
    j.Obj("capabilities");
    std::vector<std::string> order;
    for (const auto& c : o.capabilities) {
      if (std::find(order.begin(), order.end(), c.name) == order.end())
        order.push_back(c.name);
    }
    rapidjson::Document pdoc;
    // Checked by the same parser when it was uploaded.
    if (!prepared.empty()) {
      jumio_gateway::core::ParseJson(prepared, &pdoc).IgnoreError();
    }
    auto pstr = [&pdoc](const char* k, const char* fallback) -> std::string {
      if (pdoc.IsObject() && pdoc.HasMember(k) && pdoc[k].IsString())
        return pdoc[k].GetString();
      return fallback;
    };
    for (const auto& name : order) {
      j.Arr(name.c_str());
      for (const auto& c : o.capabilities) {
        if (c.name != name) continue;
        j.Obj().Str("id", c.id).Arr("credentials");
        for (const auto& [cid, cat] : c.credentials) {
          j.Obj().Str("id", cid).Str("category", cat).End();
        }
        j.EndArr()
            .Obj("decision")
            .Str("type", c.type)
            .Obj("details")
            .Str("label", c.label);
        j.End().End();
        if (c.type == "PASSED" || c.type == "WARNING") {
          if (name == "extraction") {
            const std::string type =
                id_credential && !id_credential->types.empty()
                    ? id_credential->types[0]
                    : "PASSPORT";
            const std::string country =
                id_credential && !id_credential->countries.empty()
                    ? id_credential->countries[0]
                    : "AUT";
            j.Obj("data").Str("type", type);
            if (type == "PASSPORT") j.Str("subType", "E_PASSPORT");
            if (type == "DRIVING_LICENSE")
              j.Str("subType", "REGULAR_DRIVING_LICENSE");
            if (type == "ID_CARD") j.Str("subType", "NATIONAL_ID");
            j.Str("issuingCountry", country)
                .Str("firstName", pstr("firstName", "JANE"))
                .Str("lastName", pstr("lastName", "DOE"))
                .Str("dateOfBirth", pstr("dateOfBirth", "1990-01-01"))
                .Str("expiryDate", "2031-12-01")
                .Str("issuingDate", "2021-12-01")
                .Str("documentNumber", "P1234567")
                .Str("gender", pstr("sex", "F"))
                .Obj("address")
                .Str("country", country)
                .Str("formattedAddress", country)
                .End()
                .End();
          } else if (name == "watchlistScreening") {
            j.Obj("data")
                .Str("searchDate",
                     Timestamp(w.completed_at.value_or(clock_->Now())))
                .Str("searchStatus", "DONE")
                .Str("searchId", "100000001")
                .Str("searchReference", "100000001-sandbox")
                .Str("searchResultUrl",
                     "https://screening.invalid/search/100000001-sandbox")
                .Int("searchResults", c.type == "WARNING" ? 1 : 0)
                .End();
          } else if (name == "similarity") {
            j.Obj("data")
                .Str("similarity",
                     c.type == "PASSED" ? "MATCH" : "NOT_POSSIBLE")
                .End();
          } else if (name == "liveness") {
            j.Obj("data")
                .Str("type", "JUMIO_STANDARD")
                .Int("predictedAge", 30)
                .Str("ageConfidenceRange", "25-34")
                .End();
          }
        } else if (name == "similarity" && c.type == "REJECTED") {
          j.Obj("data").Str("similarity", "NOT_MATCH").End();
        }
        j.End();
      }
      j.EndArr();
    }
    j.End();
  }
  j.End();
  return j.Done();
}

}  // namespace jumio::sandbox
