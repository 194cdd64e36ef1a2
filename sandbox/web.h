// The web host: the sandbox's stand-in for the hosted Jumio web client that
// `web.href` opens (doc 000, doc 002 "Web client"), and a demo customer page
// that embeds it in an iframe. The journey's pages run in the end user's
// browser and call back here with the web token of the href; uploads and
// finalize then go through the same Uploads and Lifecycle as the API channel,
// so everything after the journey is identical.
#ifndef JUMIO_GATEWAY_SANDBOX_WEB_H_
#define JUMIO_GATEWAY_SANDBOX_WEB_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sandbox/clock.h"
#include "sandbox/lifecycle.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "sandbox/uploads.h"
#include "server/http/message.h"

namespace jumio::sandbox {

// The web client's errorCode values (doc 002) the sandbox produces itself;
// the pages add 9100, 9300, 9810 and 9835 from what the calls below answer.
inline constexpr int kWebTokenInvalid = 9200;
inline constexpr int kWebSessionExpired = 9210;

class WebClient {
 public:
  WebClient(const Clock* clock, State* state, Lifecycle* lifecycle,
            Uploads* uploads)
      : clock_(clock),
        state_(state),
        lifecycle_(lifecycle),
        uploads_(uploads) {}

  // Every request on the web host kind. `seg`: the path's segments.
  void Handle(const Route& r, const jumio_gateway::http::Request& req,
              jumio_gateway::http::Response& res,
              const std::vector<std::string>& seg);

 private:
  // The execution whose web token is `token`, still in its journey; otherwise
  // the errorCode the journey ends with (9200 or 9210) as an error whose
  // message is that number.
  struct Journey {
    std::string account_id;
    std::string workflow_id;
  };
  absl::StatusOr<Journey> Find(const std::string& region,
                               const std::string& token);

  // GET /web/v4/app?authorizationToken=&locale=
  void App(const Route& r, const jumio_gateway::http::Request& req,
           jumio_gateway::http::Response& res);
  // PUT /web/v4/api/credentials/<c>/parts/<classifier>?authorizationToken=
  void Upload(const Route& r, const jumio_gateway::http::Request& req,
              jumio_gateway::http::Response& res,
              const std::vector<std::string>& seg);
  // PUT /web/v4/api/finalize?authorizationToken= {"outcome": directive}
  void Finalize(const Route& r, const jumio_gateway::http::Request& req,
                jumio_gateway::http::Response& res);
  // The page's configuration (JSON): the journey's ids, URLs, steps and
  // outcomes, or its `errorCode` when the token cannot start one.
  std::string ConfigJson(const std::string& region, const std::string& token,
                         const std::string& locale);

  const Clock* clock_;
  State* state_;
  Lifecycle* lifecycle_;
  Uploads* uploads_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_WEB_H_
