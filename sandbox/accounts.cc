#include "sandbox/accounts.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sandbox/workflows.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

namespace {

// A 400 to answer with.
struct Problem {
  std::string detail;
  std::string field;
};

struct Planned {
  CredentialDef def;
  const CredentialRequest* req = nullptr;
};

// Which credentials this execution has: the definition's, customised by the
// request.
std::optional<Problem> PlanCredentials(const WorkflowDef& def,
                                       const AccountRequest& ar,
                                       std::vector<Planned>* plan) {
  if (def.credentials_from_request && !ar.credentials.empty()) {
    if (ar.credentials.size() != 2) {
      return Problem{"workflow 20 compares exactly two credentials",
                     "workflowDefinition.credentials"};
    }
    for (const auto& c : ar.credentials) {
      if (c.category != "ID" && c.category != "SELFIE") {
        return Problem{"workflow 20 credentials must be ID or SELFIE",
                       "workflowDefinition.credentials"};
      }
      plan->push_back({{c.category, {"API"}}, &c});
    }
    return std::nullopt;
  }
  for (const auto& c : def.credentials) plan->push_back({c, nullptr});
  for (size_t i = 0; i < ar.credentials.size(); ++i) {
    const auto& c = ar.credentials[i];
    auto it = std::find_if(plan->begin(), plan->end(), [&](const Planned& p) {
      return p.def.category == c.category && p.req == nullptr;
    });
    if (it == plan->end()) {
      return Problem{
          absl::StrCat("category ", c.category, " is not part of workflow ",
                       def.key),
          absl::StrCat("workflowDefinition.credentials[", i, "].category")};
    }
    it->req = &c;
  }
  return std::nullopt;
}

// Workflow 5 names the ID credential on file; it must exist before anything
// is changed.
std::optional<Problem> CheckCredentialsOnFile(
    const WorkflowDef& def, const Account& account,
    const std::vector<Planned>& plan) {
  for (const auto& p : plan) {
    if (p.req != nullptr && !p.req->id.empty() &&
        !account.credentials.count(p.req->id)) {
      return Problem{absl::StrCat("credential ", p.req->id, " is not on file"),
                     "workflowDefinition.credentials.id"};
    }
  }
  if (def.key == 5) {
    const bool has_id =
        std::any_of(plan.begin(), plan.end(), [](const Planned& p) {
          return p.def.category == "ID" && p.req != nullptr &&
                 !p.req->id.empty();
        });
    if (!has_id) {
      return Problem{"workflow 5 needs the id of an ID credential on file",
                     "workflowDefinition.credentials"};
    }
  }
  return std::nullopt;
}

}  // namespace

Workflow Accounts::NewWorkflow(const std::string& account_id,
                               const WorkflowDef* def, const AccountRequest& ar,
                               const Directive& directive, absl::Time now) {
  Workflow w;
  w.id = ids_->Uuid();
  w.account_id = account_id;
  w.def = def;
  w.created_at = now;
  w.token_deadline = now + Scaled(options_, ar.token_lifetime);
  w.user_reference = ar.user_reference;
  w.customer_internal_reference = ar.customer_internal_reference;
  w.callback_url = ar.callback_url;
  w.success_url = ar.success_url;
  w.error_url = ar.error_url;
  w.locale = ar.locale;
  w.directive = directive;
  if (w.directive.kind == Directive::Kind::kTokenExpired ||
      w.directive.kind == Directive::Kind::kSessionExpired) {
    w.token_deadline = now + options_.processing_delay;
  }
  w.sdk_token = ids_->Token(32);
  w.web_token = ids_->Token(32);
  return w;
}

void Accounts::CreateOrUpdate(const Route& r, const http::Request& req,
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
  std::vector<Planned> plan;
  if (std::optional<Problem> p = PlanCredentials(*def, ar, &plan)) {
    return WriteProblem(res, 400, p->detail, p->field);
  }
  RegionState* st = state_->Region(r.region);
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
  if (std::optional<Problem> p = CheckCredentialsOnFile(*def, *account, plan)) {
    return WriteProblem(res, 400, p->detail, p->field);
  }
  account->updated_at = now;
  if (!ar.customer_internal_reference.empty()) {
    account->customer_internal_reference = ar.customer_internal_reference;
  }
  if (!ar.user_reference.empty()) account->user_reference = ar.user_reference;
  Workflow w = NewWorkflow(account->id, def, ar, *directive, now);
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
  WriteJson(res, ResponseJson(r.region, *account, stored, ar));
}

std::string Accounts::ResponseJson(const std::string& region, const Account& a,
                                   const Workflow& w,
                                   const AccountRequest& ar) const {
  bool web = false, sdk = false;
  for (const auto& id : w.credential_ids) {
    const Credential& c = a.credentials.at(id);
    if (w.reused_ids.count(id)) continue;
    web |= AllowsChannel(c.channels, "WEB");
    sdk |= AllowsChannel(c.channels, "SDK");
  }
  Json j;
  j.Obj()
      .Str("timestamp", FormatTimestamp(clock_->Now()))
      .Obj("account")
      .Str("id", a.id)
      .End();
  if (web) {
    std::string href =
        absl::StrCat(links_->Host(region, "web"),
                     "/web/v4/app?authorizationToken=", w.web_token);
    if (!ar.locale.empty()) absl::StrAppend(&href, "&locale=", ar.locale);
    j.Obj("web").Str("href", href);
    if (!ar.success_url.empty()) j.Str("successUrl", ar.success_url);
    if (!ar.error_url.empty()) j.Str("errorUrl", ar.error_url);
    j.End();
  }
  if (sdk) j.Obj("sdk").Str("token", w.sdk_token).End();
  const std::string wf_href = links_->Workflow(region, "api", a.id, w.id);
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

}  // namespace jumio::sandbox
