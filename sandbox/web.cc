#include "sandbox/web.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "rapidjson/document.h"
#include "sandbox/processing.h"
#include "sandbox/responses.h"
#include "sandbox/web_pages.h"
#include "sandbox/workflows.h"
#include "server/core/json.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

namespace {

// Tokens and locales are put into pages and URLs as they are: anything but
// these characters is not a token the sandbox issued nor a locale.
bool Plain(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.';
  });
}

// The credentials the end user provides in the browser: those that allow WEB
// and are not on file. A FACEMAP is captured by the web client itself with
// the selfie (iProov), so it is no step of its own.
bool InJourney(const Workflow& w, const Credential& c) {
  return w.reused_ids.count(c.id) == 0 && AllowsChannel(c.channels, "WEB") &&
         c.category != "FACEMAP";
}

void WritePage(http::Response& res, std::string body,
               const std::string& content_type) {
  res.SetContent(200, std::move(body), content_type);
  // Each page carries one journey's state. No X-Frame-Options: customers
  // embed the journey in their own pages (doc 002's iframe).
  res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

// A JSON text that can stand inside <script type="application/json">: every
// '<' is escaped, so no "</script>" can end the element early.
std::string ForScript(const std::string& json) {
  return absl::StrReplaceAll(json, {{"<", "\\u003c"}});
}

}  // namespace

void WebClient::Handle(const Route& r, const http::Request& req,
                       http::Response& res,
                       const std::vector<std::string>& seg) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (seg.size() >= 2 && seg[0] == "web" && seg[1] == "v4") {
    if (seg.size() == 3 && get) {
      if (seg[2] == "app") return App(r, req, res);
      if (seg[2] == "app.js")
        return WritePage(res, std::string(kWebAppJs), "text/javascript");
      if (seg[2] == "app.css")
        return WritePage(res, std::string(kWebCss), "text/css");
    }
    if (seg.size() == 7 && seg[2] == "api" && seg[3] == "credentials" &&
        seg[5] == "parts") {
      if (req.method != "PUT") return WriteProblem(res, 405, "use PUT");
      return Upload(r, req, res, seg);
    }
    if (seg.size() == 4 && seg[2] == "api" && seg[3] == "finalize") {
      if (req.method != "PUT") return WriteProblem(res, 405, "use PUT");
      return Finalize(r, req, res);
    }
  }
  // The demo customer page (not Jumio's: doc 002's iframe sample, served so
  // that a front-end developer sees the events) and a landing page for
  // successUrl / errorUrl that shows the parameters it was sent.
  if (seg.size() == 2 && seg[0] == "demo" && get) {
    const auto params = http::ParseQuery(req.query);
    if (seg[1] == "customer") {
      std::string token = http::QueryValue(params, "authorizationToken");
      std::string locale = http::QueryValue(params, "locale");
      if (!Plain(token)) token.clear();
      if (!Plain(locale)) locale.clear();
      std::string src =
          absl::StrCat("../web/v4/app?authorizationToken=", token);
      if (!locale.empty()) absl::StrAppend(&src, "&locale=", locale);
      return WritePage(res, absl::StrReplaceAll(kDemoHtml, {{"$SRC", src}}),
                       "text/html; charset=utf-8");
    }
    if (seg[1] == "landing")
      return WritePage(res, std::string(kLandingHtml),
                       "text/html; charset=utf-8");
    if (seg[1] == "demo.js")
      return WritePage(res, std::string(kDemoJs), "text/javascript");
    if (seg[1] == "app.css")
      return WritePage(res, std::string(kWebCss), "text/css");
  }
  WriteProblem(res, 404, "no such page on the web host");
}

absl::StatusOr<WebClient::Journey> WebClient::Find(const std::string& region,
                                                   const std::string& token) {
  RegionState* st = state_->Region(region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  if (!token.empty()) {
    for (auto& [account_id, account] : st->accounts) {
      for (auto& [workflow_id, w] : account.workflows) {
        if (w.web_token != token) continue;
        lifecycle_->MaybeExpire(region, st, &w, now);
        if (w.status == "INITIATED") return Journey{account_id, workflow_id};
        // A journey that already ended cannot start again: its token is
        // spent.
        return absl::FailedPreconditionError(
            absl::StrCat(w.status == "SESSION_EXPIRED" ? kWebSessionExpired
                                                       : kWebTokenInvalid));
      }
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(kWebTokenInvalid));
}

std::string WebClient::ConfigJson(const std::string& region,
                                  const std::string& token,
                                  const std::string& locale) {
  RegionState* st = state_->Region(region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  Json j;
  j.Obj().Str("authorizationToken", token);
  for (auto& [account_id, account] : st->accounts) {
    for (auto& [workflow_id, w] : account.workflows) {
      if (token.empty() || w.web_token != token) continue;
      lifecycle_->MaybeExpire(region, st, &w, now);
      j.Str("accountId", account_id)
          .Str("workflowExecutionId", workflow_id)
          .Str("customerInternalReference", w.customer_internal_reference)
          .Str("successUrl", w.success_url)
          .Str("errorUrl", w.error_url)
          .Str("locale", locale.empty() ? w.locale : locale)
          .Str("workflow", absl::StrCat(w.def->key, " ", w.def->name));
      if (w.status != "INITIATED") {
        j.Int("errorCode", w.status == "SESSION_EXPIRED" ? kWebSessionExpired
                                                         : kWebTokenInvalid);
        return j.End().Done();
      }
      // Doc 002: the web channel captures the end user's consent to
      // biometric processing during the journey.
      bool biometric = false;
      j.Arr("steps");
      for (const auto& id : w.credential_ids) {
        const Credential& c = account.credentials.at(id);
        biometric |= c.category == "SELFIE" || c.category == "FACEMAP";
        if (!InJourney(w, c)) continue;
        for (const auto& part : UploadableParts(c.category, false)) {
          j.Obj()
              .Str("credentialId", c.id)
              .Str("category", c.category)
              .Str("part", part)
              .End();
        }
      }
      j.EndArr().Bool("consent", biometric);
      // The outcomes a sandbox: directive can choose for this workflow.
      j.Arr("outcomes");
      j.Obj().Str("value", "").Str("label", "").End();
      j.Obj().Str("value", "sandbox:pass").Str("label", "PASSED").End();
      for (const auto& name : w.def->capabilities) {
        const CapabilityDef* cap = FindCapability(name);
        if (cap == nullptr) continue;
        for (const auto& label : cap->rejected_labels) {
          j.Obj()
              .Str("value", absl::StrCat("sandbox:reject:", name, ":", label))
              .Str("label", absl::StrCat(name, " REJECTED ", label))
              .End();
        }
        for (const auto& label : cap->warning_labels) {
          j.Obj()
              .Str("value", absl::StrCat("sandbox:warning:", name, ":", label))
              .Str("label", absl::StrCat(name, " WARNING ", label))
              .End();
        }
        if (name == w.def->capabilities.front()) {
          for (const auto& label : cap->not_executed_labels) {
            j.Obj()
                .Str("value", absl::StrCat("sandbox:not_executed:", label))
                .Str("label", absl::StrCat(name, " NOT_EXECUTED ", label))
                .End();
          }
        }
      }
      j.EndArr();
      return j.End().Done();
    }
  }
  j.Str("locale", locale).Int("errorCode", kWebTokenInvalid);
  return j.End().Done();
}

void WebClient::App(const Route& r, const http::Request& req,
                    http::Response& res) {
  const auto params = http::ParseQuery(req.query);
  std::string token = http::QueryValue(params, "authorizationToken");
  std::string locale = http::QueryValue(params, "locale");
  if (!Plain(token)) token.clear();
  if (!Plain(locale) || locale.size() > 5) locale.clear();
  const std::string config = ConfigJson(r.region, token, locale);
  WritePage(res,
            absl::StrReplaceAll(kWebAppHtml, {{"$CONFIG", ForScript(config)}}),
            "text/html; charset=utf-8");
}

void WebClient::Upload(const Route& r, const http::Request& req,
                       http::Response& res,
                       const std::vector<std::string>& seg) {
  const auto params = http::ParseQuery(req.query);
  absl::StatusOr<Journey> journey =
      Find(r.region, http::QueryValue(params, "authorizationToken"));
  if (!journey.ok()) {
    return WriteProblem(res, 401, std::string(journey.status().message()),
                        "authorizationToken");
  }
  {
    RegionState* st = state_->Region(r.region);
    absl::MutexLock lock(&st->mu);
    absl::StatusOr<Execution> found =
        FindExecution(st, journey->account_id, journey->workflow_id);
    if (!found.ok()) {
      return WriteProblem(res, 404, std::string(found.status().message()));
    }
    auto c = found->account->credentials.find(seg[4]);
    if (c == found->account->credentials.end() ||
        !InJourney(*found->workflow, c->second)) {
      return WriteProblem(res, 404, "credential not in this journey",
                          "credentialId");
    }
  }
  // The API channel's own upload, so that the part is checked and stored
  // exactly as there; PUT replaces an earlier attempt.
  const std::vector<std::string> api_seg = {"api",
                                            "v1",
                                            "accounts",
                                            journey->account_id,
                                            "workflow-executions",
                                            journey->workflow_id,
                                            "credentials",
                                            seg[4],
                                            "parts",
                                            seg[6]};
  uploads_->UploadPart(r, req, res, api_seg);
}

void WebClient::Finalize(const Route& r, const http::Request& req,
                         http::Response& res) {
  const auto params = http::ParseQuery(req.query);
  absl::StatusOr<Journey> journey =
      Find(r.region, http::QueryValue(params, "authorizationToken"));
  if (!journey.ok()) {
    return WriteProblem(res, 401, std::string(journey.status().message()),
                        "authorizationToken");
  }
  std::string outcome;
  if (!req.body.empty()) {
    rapidjson::Document d;
    if (!jumio_gateway::core::ParseJson(req.body, &d).ok() || !d.IsObject()) {
      return WriteProblem(res, 400, "body must be a JSON object");
    }
    if (d.HasMember("outcome") && d["outcome"].IsString()) {
      outcome = d["outcome"].GetString();
    }
  }
  {
    RegionState* st = state_->Region(r.region);
    const absl::Time now = clock_->Now();
    absl::MutexLock lock(&st->mu);
    absl::StatusOr<Execution> found =
        FindExecution(st, journey->account_id, journey->workflow_id);
    if (!found.ok()) {
      return WriteProblem(res, 404, std::string(found.status().message()));
    }
    Workflow& w = *found->workflow;
    if (!outcome.empty()) {
      absl::StatusOr<Directive> directive = ParseDirective(outcome, "", *w.def);
      if (!directive.ok()) {
        return WriteProblem(res, 400, std::string(directive.status().message()),
                            "outcome");
      }
      w.directive = *directive;
    }
    // The web client records the FACEMAP during the selfie; the sandbox
    // stores a placeholder for it once the selfie is there.
    bool selfie = false;
    for (const auto& id : w.credential_ids) {
      const Credential& c = found->account->credentials.at(id);
      selfie |= c.category == "SELFIE" && c.parts.count("FACE") > 0;
    }
    for (const auto& id : w.credential_ids) {
      Credential& c = found->account->credentials.at(id);
      if (selfie && c.category == "FACEMAP" && c.parts.empty() &&
          AllowsChannel(c.channels, "WEB")) {
        c.parts["FACEMAP"] = Part{
            "application/octet-stream",
            std::make_shared<const std::string>("sandbox web facemap"), now};
      }
    }
  }
  lifecycle_->Finalize(r, res, journey->account_id, journey->workflow_id);
}

}  // namespace jumio::sandbox
