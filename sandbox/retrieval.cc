#include "sandbox/retrieval.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "sandbox/processing.h"
#include "server/core/json.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

namespace {

// The `data` of a capability result that passed or warned (and of a rejected
// similarity): the members and values the manual shows. Extraction takes the
// ID credential's type and country and the names in the prepared data, if
// any, so that a test can see its own input come back.
void CapabilityData(const CapabilityResult& c, const Credential* id_credential,
                    const rapidjson::Document& prepared, absl::Time search_date,
                    Json& j) {
  const std::string& name = c.name;
  auto pstr = [&prepared](const char* k, const char* fallback) -> std::string {
    if (prepared.IsObject() && prepared.HasMember(k) && prepared[k].IsString())
      return prepared[k].GetString();
    return fallback;
  };
  if (c.type == "PASSED" || c.type == "WARNING") {
    if (name == "extraction") {
      const std::string type = id_credential && !id_credential->types.empty()
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
          .Str("searchDate", FormatTimestamp(search_date))
          .Str("searchStatus", "DONE")
          .Str("searchId", "100000001")
          .Str("searchReference", "100000001-sandbox")
          .Str("searchResultUrl",
               "https://screening.invalid/search/100000001-sandbox")
          .Int("searchResults", c.type == "WARNING" ? 1 : 0)
          .End();
    } else if (name == "similarity") {
      j.Obj("data")
          .Str("similarity", c.type == "PASSED" ? "MATCH" : "NOT_POSSIBLE")
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
}

}  // namespace

void Retrieval::Handle(const Route& r, const http::Request& req,
                       http::Response& res,
                       const std::vector<std::string>& seg) {
  if (seg[2] != "accounts" || seg.size() < 4)
    return WriteProblem(res, 404, "no such resource");
  if (req.method == "DELETE") return Delete(r, res, seg);
  if (req.method != "GET") return WriteProblem(res, 405, "use GET or DELETE");
  Get(r, res, seg);
}

void Retrieval::Delete(const Route& r, http::Response& res,
                       const std::vector<std::string>& seg) {
  RegionState* st = state_->Region(r.region);
  const std::string& account_id = seg[3];
  absl::MutexLock lock(&st->mu);
  auto ait = st->accounts.find(account_id);
  if (ait == st->accounts.end())
    return WriteProblem(res, 404, "account not found");
  Account& a = ait->second;
  if (seg.size() == 4) {
    for (const auto& [id, c] : a.credentials) st->api_tokens.erase(c.api_token);
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

void Retrieval::Get(const Route& r, http::Response& res,
                    const std::vector<std::string>& seg) {
  RegionState* st = state_->Region(r.region);
  const std::string& account_id = seg[3];
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
        lifecycle_->MaybeExpire(r.region, st, &wit->second, now);
    }
  }
  Get(r, res, seg);
}

std::string Retrieval::StatusJson(const std::string& region, const Account& a,
                                  const Workflow& w) const {
  const std::string base = links_->Account(region, "retrieval", a.id);
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

std::string Retrieval::AccountJson(const std::string& region,
                                   const Account& a) const {
  const std::string base = links_->Account(region, "retrieval", a.id);
  Json j;
  j.Obj()
      .Str("timestamp", FormatTimestamp(clock_->Now()))
      .Obj("account")
      .Str("id", a.id)
      .Str("href", base);
  j.Str("createdAt", FormatTimestamp(a.created_at))
      .Str("updatedAt", FormatTimestamp(a.updated_at));
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

std::string Retrieval::StepsJson(const Workflow& w) const {
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

std::string Retrieval::DetailsJson(const std::string& region, const Account& a,
                                   const Workflow& w) const {
  const std::string base = links_->Account(region, "retrieval", a.id);
  Json j;
  j.Obj().Obj("workflow").Str("id", w.id).Str("status", w.status);
  j.Str("definitionKey", absl::StrCat(w.def->key));
  if (!w.user_reference.empty()) j.Str("userReference", w.user_reference);
  if (!w.customer_internal_reference.empty()) {
    j.Str("customerInternalReference", w.customer_internal_reference);
  }
  j.End().Obj("account").Str("id", a.id).End();
  j.Str("createdAt", FormatTimestamp(w.created_at));
  if (w.started_at) j.Str("startedAt", FormatTimestamp(*w.started_at));
  if (w.completed_at) j.Str("completedAt", FormatTimestamp(*w.completed_at));
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
    const absl::Time search_date = w.completed_at.value_or(clock_->Now());
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
        CapabilityData(c, id_credential, pdoc, search_date, j);
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
