// The API host's part upload: POST adds and PUT replaces one part
// (/api/v1/accounts/<a>/workflow-executions/<w>/credentials/<c>/parts/<p>),
// as multipart/form-data or, for PREPARED_DATA, as JSON.
#ifndef JUMIO_GATEWAY_SANDBOX_UPLOADS_H_
#define JUMIO_GATEWAY_SANDBOX_UPLOADS_H_

#include <string>
#include <vector>

#include "sandbox/clock.h"
#include "sandbox/lifecycle.h"
#include "sandbox/responses.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "server/http/message.h"

namespace jumio::sandbox {

class Uploads {
 public:
  Uploads(const ServiceOptions& options, const Clock* clock, State* state,
          Lifecycle* lifecycle, const Links* links)
      : options_(options),
        clock_(clock),
        state_(state),
        lifecycle_(lifecycle),
        links_(links) {}

  // `seg`: the path's segments, "api", "v1", "accounts", <a>, ... <p>.
  void UploadPart(const Route& r, const jumio_gateway::http::Request& req,
                  jumio_gateway::http::Response& res,
                  const std::vector<std::string>& seg);

 private:
  std::string ResponseJson(const std::string& region, const Account& a,
                           const Workflow& w, const Credential& c) const;

  const ServiceOptions options_;
  const Clock* clock_;
  State* state_;
  Lifecycle* lifecycle_;
  const Links* links_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_UPLOADS_H_
