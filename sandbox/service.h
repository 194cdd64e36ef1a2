// The Jumio KYX API behaviour over per-region state: accounts, workflow
// executions, credentials, parts, processing, expiry, retrieval, deletion and
// the health status API. Transport concerns (addressing, faults, journal, rate
// limits) live in server.h.
#ifndef JUMIO_GATEWAY_SANDBOX_SERVICE_H_
#define JUMIO_GATEWAY_SANDBOX_SERVICE_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "sandbox/processing.h"
#include "sandbox/validation.h"
#include "sandbox/workflows.h"
#include "server/http/message.h"

namespace jumio::sandbox {

inline constexpr std::array<const char*, 3> kRegions = {"amer-1", "emea-1",
                                                        "apac-1"};
inline constexpr std::array<const char*, 6> kHostKinds = {
    "auth", "account", "api", "retrieval", "status", "web"};

struct ServiceOptions {
  std::string
      public_base_url;  // e.g. http://127.0.0.1:8080 (no trailing slash)
  absl::Duration processing_delay = absl::Milliseconds(200);
  double time_scale =
      1.0;  // divides token lifetime, session timeout and OAuth token ttl
  size_t max_image_bytes = 5 * 1024 * 1024;
  // Accept "%PDF-" files for FRONT/BACK parts (not a documented Jumio
  // behaviour; for gateway tests of its PDF path).
  bool accept_pdf_parts = false;
  bool allow_http_callbacks = false;
};

// Where a request was addressed: region and host kind plus the Jumio path under
// that host.
struct Route {
  std::string region;
  std::string host_kind;
  std::string path;
};

// Writes a problem body: {"title","status","detail"[,"field"]}, the shape of
// Jumio's 429 body.
void WriteProblem(jumio_gateway::http::Response& res, int status,
                  const std::string& detail, const std::string& field = "");

class Service {
 public:
  Service(const ServiceOptions& options, const Clock* clock, IdSource* ids,
          Authenticator* auth, CallbackSender* callbacks);

  // Answers a Jumio API request whose User-Agent, faults and rate limits were
  // already handled.
  void Handle(const Route& route, const jumio_gateway::http::Request& req,
              jumio_gateway::http::Response& res);

  // Finishes processing that is due and expires abandoned workflows. Called
  // periodically and cheap when nothing is due.
  void Tick();

  // Replaces the health status body a region answers with (control endpoint).
  absl::Status SetHealth(const std::string& region, const std::string& json);

  std::string BaseUrl(const std::string& region,
                      const std::string& host_kind) const {
    return options_.public_base_url + "/" + region + "/" + host_kind;
  }

 private:
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
    std::set<std::string> reused_ids;  // credentials on file (workflow 5)
    std::string user_reference;
    std::string customer_internal_reference;
    std::string callback_url;
    std::string sdk_token;
    std::string web_token;
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
    std::set<std::pair<std::string, std::string>> active ABSL_GUARDED_BY(mu);
    std::string health ABSL_GUARDED_BY(mu) = "{\"status\":\"UP\"}";
  };

  RegionState* Region(const std::string& name);
  std::string Now() const;

  void OAuthToken(const Route& r, const jumio_gateway::http::Request& req,
                  jumio_gateway::http::Response& res);
  bool Authorize(const Route& r, const jumio_gateway::http::Request& req,
                 jumio_gateway::http::Response& res,
                 const std::string& workflow_id);
  void CreateOrUpdateAccount(const Route& r,
                             const jumio_gateway::http::Request& req,
                             jumio_gateway::http::Response& res,
                             const std::string& account_id);
  void UploadPart(const Route& r, const jumio_gateway::http::Request& req,
                  jumio_gateway::http::Response& res,
                  const std::vector<std::string>& seg);
  void Finalize(const Route& r, jumio_gateway::http::Response& res,
                const std::string& account_id, const std::string& workflow_id);
  void Retrieval(const Route& r, const jumio_gateway::http::Request& req,
                 jumio_gateway::http::Response& res,
                 const std::vector<std::string>& seg);

  // Expires `w` if its token or session deadline passed. Requires the region
  // lock.
  void MaybeExpire(const std::string& region, RegionState* st, Workflow* w,
                   absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu);
  void Complete(const std::string& region, RegionState* st, Workflow* w,
                absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu);
  void SendCallback(const std::string& region, const Workflow& w);

  std::string AccountResponse(const std::string& region, const Account& a,
                              const Workflow& w,
                              const AccountRequest& req) const;
  std::string PartsResponse(const std::string& region, const Account& a,
                            const Workflow& w, const Credential& c) const;
  std::string DetailsJson(const std::string& region, const Account& a,
                          const Workflow& w) const;
  std::string StepsJson(const Workflow& w) const;
  std::string StatusJson(const std::string& region, const Account& a,
                         const Workflow& w) const;
  std::string AccountJson(const std::string& region, const Account& a) const;

  const ServiceOptions options_;
  const Clock* clock_;
  IdSource* ids_;
  Authenticator* auth_;
  CallbackSender* callbacks_;
  std::array<RegionState, 3> regions_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_SERVICE_H_
