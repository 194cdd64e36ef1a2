#include "sandbox/access.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "sandbox/responses.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

void Access::OAuthToken(const Route& r, const http::Request& req,
                        http::Response& res) {
  auto oauth_error = [&](int status, const char* error,
                         const char* description) {
    Json j;
    j.Obj().Str("error", error).Str("error_description", description).End();
    res.SetContent(status, j.Done(), "application/json");
  };
  if (!absl::StartsWith(req.Header("Content-Type"),
                        "application/x-www-form-urlencoded")) {
    return oauth_error(
        400, "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded");
  }
  const auto form = http::ParseQuery(req.body);
  auto param = [&form](const char* k) { return http::QueryValue(form, k); };
  const std::string grant = param("grant_type");
  if (grant.empty())
    return oauth_error(400, "invalid_request", "grant_type is required");
  if (grant != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type",
                       "only client_credentials is supported");
  }
  std::string id, secret;
  if (!Authenticator::DecodeBasic(req.Header("Authorization"), &id, &secret)) {
    id = param("client_id");
    secret = param("client_secret");
  }
  if (id.empty()) {
    res.SetHeader("WWW-Authenticate", "Basic realm=\"jumio-sandbox\"");
    return oauth_error(401, "invalid_client",
                       "client authentication is required");
  }
  if (!auth_->CheckClient(id, secret)) {
    res.SetHeader("WWW-Authenticate", "Basic realm=\"jumio-sandbox\"");
    return oauth_error(401, "invalid_client", "client authentication failed");
  }
  const std::string token = auth_->Issue(r.region);
  Json j;
  j.Obj()
      .Str("access_token", token)
      .Int("expires_in",
           std::max<int64_t>(1, absl::ToInt64Seconds(auth_->ttl())))
      .Str("token_type", "Bearer")
      .End();
  res.SetHeader("Cache-Control", "no-store");
  WriteJson(res, j.Done());
}

bool Access::Authorize(const Route& r, const http::Request& req,
                       http::Response& res, const std::string& workflow_id) {
  const std::string header = req.Header("Authorization");
  AuthVerdict v = auth_->Check(r.region, header);
  if (v == AuthVerdict::kInvalid && !workflow_id.empty() &&
      absl::StartsWithIgnoreCase(header, "Bearer ")) {
    // The API host also takes the credential's api.token for its own workflow
    // execution.
    const std::string token(
        absl::StripAsciiWhitespace(absl::string_view(header).substr(7)));
    for (const char* region : kRegions) {
      RegionState* st = state_->Region(region);
      absl::ReaderMutexLock lock(&st->mu);
      auto it = st->api_tokens.find(token);
      if (it == st->api_tokens.end()) continue;
      v = (region == r.region && it->second.workflow_id == workflow_id)
              ? AuthVerdict::kOk
              : AuthVerdict::kOtherRegion;
      break;
    }
  }
  switch (v) {
    case AuthVerdict::kOk:
      return true;
    case AuthVerdict::kMissing:
      res.SetHeader("WWW-Authenticate", "Bearer");
      WriteProblem(res, 401, "Authorization header is missing");
      return false;
    case AuthVerdict::kExpired:
      res.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      WriteProblem(res, 401, "access token expired");
      return false;
    case AuthVerdict::kOtherRegion:
      WriteProblem(res, 403, "token is not valid for this region or resource");
      return false;
    case AuthVerdict::kInvalid:
      res.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      WriteProblem(res, 401, "invalid credentials or access token");
      return false;
  }
  return false;
}

}  // namespace jumio::sandbox
