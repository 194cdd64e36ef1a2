#include "sandbox/lifecycle.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sandbox/processing.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

void Lifecycle::Finalize(const Route& r, http::Response& res,
                         const std::string& account_id,
                         const std::string& workflow_id) {
  RegionState* st = state_->Region(r.region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  absl::StatusOr<Execution> found = FindExecution(st, account_id, workflow_id);
  if (!found.ok()) {
    return WriteProblem(res, 404, std::string(found.status().message()));
  }
  Workflow& w = *found->workflow;
  MaybeExpire(r.region, st, &w, now);
  if (w.status != "INITIATED") {
    return WriteProblem(
        res, 400, absl::StrCat("workflow execution is already ", w.status));
  }
  w.status = "ACQUIRED";
  w.started_at = now;
  w.process_due = now + options_.processing_delay;
  Json j;
  j.Obj().Str("timestamp", FormatTimestamp(now));
  j.Obj("account").Str("id", account_id).End();
  j.Obj("workflowExecution").Str("id", workflow_id).End().End();
  WriteJson(res, j.Done());
}

void Lifecycle::MaybeExpire(const std::string& region, RegionState* st,
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

void Lifecycle::Complete(const std::string& region, RegionState* st,
                         Workflow* w, absl::Time now) {
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

void Lifecycle::SendCallback(const std::string& region, const Workflow& w) {
  if (w.callback_url.empty()) return;
  Json j;
  j.Obj().Str("callbackSentAt", FormatTimestamp(clock_->Now()));
  if (!w.user_reference.empty()) j.Str("userReference", w.user_reference);
  j.Obj("workflowExecution")
      .Str("id", w.id)
      .Str("href", links_->Workflow(region, "retrieval", w.account_id, w.id))
      .Str("definitionKey", absl::StrCat(w.def->key))
      .Str("status", w.status)
      .End();
  j.Obj("account")
      .Str("id", w.account_id)
      .Str("href", links_->Account(region, "retrieval", w.account_id))
      .End()
      .End();
  callbacks_->Enqueue(w.callback_url, j.Done(), w.id);
}

void Lifecycle::Tick() {
  const absl::Time now = clock_->Now();
  for (size_t i = 0; i < state_->regions.size(); ++i) {
    RegionState* st = &state_->regions[i];
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

}  // namespace jumio::sandbox
