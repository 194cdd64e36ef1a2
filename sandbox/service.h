// The Jumio KYX API behaviour over per-region state. Service routes each
// request to the handler of its resource: access (OAuth token, authorization),
// accounts, uploads, lifecycle (finalize, processing, expiry, callbacks),
// retrieval (and deletion), the web client (web.h) and the health status API;
// all of them share the one State with its per-region locks. Transport concerns
// (addressing, faults, journal, rate limits) live in server.h.
#ifndef JUMIO_GATEWAY_SANDBOX_SERVICE_H_
#define JUMIO_GATEWAY_SANDBOX_SERVICE_H_

#include <string>

#include "absl/status/status.h"
#include "sandbox/access.h"
#include "sandbox/accounts.h"
#include "sandbox/auth.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "sandbox/lifecycle.h"
#include "sandbox/responses.h"
#include "sandbox/retrieval.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "sandbox/uploads.h"
#include "sandbox/web.h"
#include "server/http/message.h"

namespace jumio::sandbox {

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
  void Tick() { lifecycle_.Tick(); }

  // Replaces the health status body a region answers with (control endpoint).
  absl::Status SetHealth(const std::string& region, const std::string& json);

 private:
  State state_;
  const Links links_;
  Access access_;
  Lifecycle lifecycle_;
  Accounts accounts_;
  Uploads uploads_;
  Retrieval retrieval_;
  WebClient web_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_SERVICE_H_
