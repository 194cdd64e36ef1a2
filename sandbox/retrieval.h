// The retrieval host: GET an account, a workflow execution's details, status
// and steps, or a part's bytes; DELETE an account or one workflow execution
// with everything that belongs to it.
#ifndef JUMIO_GATEWAY_SANDBOX_RETRIEVAL_H_
#define JUMIO_GATEWAY_SANDBOX_RETRIEVAL_H_

#include <string>
#include <vector>

#include "sandbox/clock.h"
#include "sandbox/lifecycle.h"
#include "sandbox/responses.h"
#include "sandbox/state.h"
#include "server/http/message.h"

namespace jumio::sandbox {

class Retrieval {
 public:
  Retrieval(const Clock* clock, State* state, Lifecycle* lifecycle,
            const Links* links)
      : clock_(clock), state_(state), lifecycle_(lifecycle), links_(links) {}

  // `seg`: the path's segments, "api", "v1", "accounts", <a>, ...
  void Handle(const Route& r, const jumio_gateway::http::Request& req,
              jumio_gateway::http::Response& res,
              const std::vector<std::string>& seg);

 private:
  void Get(const Route& r, jumio_gateway::http::Response& res,
           const std::vector<std::string>& seg);
  void Delete(const Route& r, jumio_gateway::http::Response& res,
              const std::vector<std::string>& seg);

  std::string DetailsJson(const std::string& region, const Account& a,
                          const Workflow& w) const;
  std::string StepsJson(const Workflow& w) const;
  std::string StatusJson(const std::string& region, const Account& a,
                         const Workflow& w) const;
  std::string AccountJson(const std::string& region, const Account& a) const;

  const Clock* clock_;
  State* state_;
  Lifecycle* lifecycle_;
  const Links* links_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_RETRIEVAL_H_
