// The auth host's OAuth2 token endpoint, and the check every other API call
// passes first: a bearer token of this region, or for the API host the
// credential's own api.token.
#ifndef JUMIO_GATEWAY_SANDBOX_ACCESS_H_
#define JUMIO_GATEWAY_SANDBOX_ACCESS_H_

#include <string>

#include "sandbox/auth.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "server/http/message.h"

namespace jumio::sandbox {

class Access {
 public:
  Access(Authenticator* auth, State* state) : auth_(auth), state_(state) {}

  // POST /oauth2/token (client_credentials, Basic or form client auth).
  void OAuthToken(const Route& r, const jumio_gateway::http::Request& req,
                  jumio_gateway::http::Response& res);

  // True when the request may go on; otherwise writes the 401 or 403.
  // `workflow_id` non-empty: the call is about that workflow execution, whose
  // credentials' api.tokens are accepted too.
  bool Authorize(const Route& r, const jumio_gateway::http::Request& req,
                 jumio_gateway::http::Response& res,
                 const std::string& workflow_id);

 private:
  Authenticator* auth_;
  State* state_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_ACCESS_H_
