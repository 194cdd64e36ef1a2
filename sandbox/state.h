// Everything the sandbox's Jumio API knows, per region, behind one lock per
// region. The resource handlers (accounts, uploads, lifecycle, retrieval,
// access) all read and write this one State; none keeps data of its own.
#ifndef JUMIO_GATEWAY_SANDBOX_STATE_H_
#define JUMIO_GATEWAY_SANDBOX_STATE_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/processing.h"
#include "sandbox/service_options.h"
#include "sandbox/workflows.h"

namespace jumio::sandbox {

struct Part {
  std::string content_type;
  std::shared_ptr<const std::string> bytes;
  absl::Time uploaded_at;
};

struct Credential {
  std::string id;
  std::string category;
  std::vector<std::string> channels;
  std::vector<std::string> countries;
  std::vector<std::string> types;
  std::map<std::string, Part> parts;
  std::string api_token;
  std::string workflow_id;  // the execution that created it
};

struct Workflow {
  std::string id;
  std::string account_id;
  const WorkflowDef* def = nullptr;
  std::string status = "INITIATED";
  absl::Time created_at;
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> completed_at;
  absl::Time token_deadline;
  absl::Time session_deadline;
  bool session_started = false;
  absl::Time process_due;
  std::vector<std::string> credential_ids;  // in response order
  std::set<std::string> reused_ids;         // credentials on file (workflow 5)
  std::string user_reference;
  std::string customer_internal_reference;
  std::string callback_url;
  std::string sdk_token;
  std::string web_token;
  // web.successUrl, web.errorUrl and web.locale of the request: where the web
  // journey (web.h) sends the browser at its end, and in which language.
  std::string success_url;
  std::string error_url;
  std::string locale;
  Directive directive;
  std::optional<Outcome> outcome;
};

struct Account {
  std::string id;
  absl::Time created_at;
  absl::Time updated_at;
  std::string customer_internal_reference;
  std::string user_reference;
  std::vector<std::string> workflow_order;
  std::map<std::string, Workflow> workflows;
  std::map<std::string, Credential> credentials;
};

// Whose a credential's api.token is.
struct TokenRef {
  std::string account_id;
  std::string workflow_id;
};

struct RegionState {
  mutable absl::Mutex mu;
  absl::flat_hash_map<std::string, Account> accounts ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, std::string> workflow_account
      ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, TokenRef> api_tokens ABSL_GUARDED_BY(mu);
  // (account id, workflow id) of the executions that may still change by
  // themselves (processing or expiry), for Tick.
  std::set<std::pair<std::string, std::string>> active ABSL_GUARDED_BY(mu);
  std::string health ABSL_GUARDED_BY(mu) = "{\"status\":\"UP\"}";
};

// An account and one of its workflow executions, as the API host's calls
// address them.
struct Execution {
  Account* account;
  Workflow* workflow;
};

// NotFound "account not found" or "workflow execution not found", the details
// of the 404 Jumio answers with.
inline absl::StatusOr<Execution> FindExecution(RegionState* st,
                                               const std::string& account_id,
                                               const std::string& workflow_id)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu) {
  auto ait = st->accounts.find(account_id);
  if (ait == st->accounts.end()) {
    return absl::NotFoundError("account not found");
  }
  auto wit = ait->second.workflows.find(workflow_id);
  if (wit == ait->second.workflows.end()) {
    return absl::NotFoundError("workflow execution not found");
  }
  return Execution{&ait->second, &wit->second};
}

struct State {
  // Indexed like kRegions.
  std::array<RegionState, kRegions.size()> regions;

  // nullptr for a region not in kRegions.
  RegionState* Region(const std::string& name) {
    for (size_t i = 0; i < kRegions.size(); ++i) {
      if (name == kRegions[i]) return &regions[i];
    }
    return nullptr;
  }
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_STATE_H_
