// The account host: create an account with its first workflow execution
// (POST /api/v1/accounts) or start another one on an existing account
// (PUT /api/v1/accounts/<id>), with the credentials the workflow definition
// and the request ask for.
#ifndef JUMIO_GATEWAY_SANDBOX_ACCOUNTS_H_
#define JUMIO_GATEWAY_SANDBOX_ACCOUNTS_H_

#include <string>

#include "absl/time/time.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "sandbox/processing.h"
#include "sandbox/responses.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "sandbox/validation.h"
#include "sandbox/workflows.h"
#include "server/http/message.h"

namespace jumio::sandbox {

class Accounts {
 public:
  Accounts(const ServiceOptions& options, const Clock* clock, IdSource* ids,
           State* state, const Links* links)
      : options_(options),
        clock_(clock),
        ids_(ids),
        state_(state),
        links_(links) {}

  // `account_id` empty: create (POST); otherwise update that account (PUT).
  void CreateOrUpdate(const Route& r, const jumio_gateway::http::Request& req,
                      jumio_gateway::http::Response& res,
                      const std::string& account_id);

 private:
  // A new execution of `def` for the account as `ar` asks for it, without its
  // credentials yet.
  Workflow NewWorkflow(const std::string& account_id, const WorkflowDef* def,
                       const AccountRequest& ar, const Directive& directive,
                       absl::Time now);
  std::string ResponseJson(const std::string& region, const Account& a,
                           const Workflow& w, const AccountRequest& req) const;

  const ServiceOptions options_;
  const Clock* clock_;
  IdSource* ids_;
  State* state_;
  const Links* links_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_ACCOUNTS_H_
