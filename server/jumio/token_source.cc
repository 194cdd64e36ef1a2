#include "server/jumio/token_source.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/core/json.h"
#include "server/errors/errors.h"

namespace jumio_gateway::jumio {
namespace {

namespace v1 = ::jumio::gateway::v1;

std::string BasicHeader(const ClientCredentials& credentials) {
  return "Basic " + absl::Base64Escape(absl::StrCat(credentials.client_id, ":",
                                                    credentials.client_secret));
}

absl::Status AuthError(absl::StatusCode code, v1::ErrorReason reason,
                       const std::string& message, const std::string& region,
                       int http_status) {
  errors::Metadata metadata = {{"region", region},
                               {"jumioEndpoint", "auth_token"}};
  if (http_status != 0) metadata["httpStatus"] = absl::StrCat(http_status);
  absl::Status status = errors::Error(code, reason, message, metadata);
  if (code == absl::StatusCode::kUnavailable &&
      reason != v1::ERROR_REASON_UPSTREAM_AUTH_FAILED) {
    errors::SetRetryDelay(status, absl::Seconds(1));
  }
  return status;
}

// An access token that can stand in "Authorization: Bearer <token>": RFC
// 6750's b64token (JWTs and opaque tokens alike), at most 8 KiB. Anything else
// (CR/LF, NUL, spaces, other control bytes) would inject into or break the
// header of every Jumio call. Found by tests/fuzz/token_response_fuzzer.
bool IsBearerToken(absl::string_view token) {
  if (token.empty() || token.size() > 8192) return false;
  size_t end = token.size();
  while (end > 0 && token[end - 1] == '=') --end;
  if (end == 0) return false;
  for (char c : token.substr(0, end)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        absl::string_view("-._~+/").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

void BasicAuthSource::GetAuthorization(const std::string& region,
                                       Callback done) {
  absl::StatusOr<ClientCredentials> credentials = credentials_->Get();
  if (!credentials.ok()) {
    std::move(done)(AuthError(
        absl::StatusCode::kUnavailable, v1::ERROR_REASON_UPSTREAM_AUTH_FAILED,
        std::string(credentials.status().message()), region, 0));
    return;
  }
  std::move(done)(BasicHeader(*credentials));
}

OAuth2TokenSource::OAuth2TokenSource(const jumio::JumioHosts& config,
                                     CredentialsProvider* credentials,
                                     HttpTransport* transport,
                                     const Clock& clock, Options options)
    : config_(config),
      credentials_(credentials),
      transport_(transport),
      clock_(clock),
      options_(std::move(options)) {}

void OAuth2TokenSource::GetAuthorization(const std::string& region,
                                         Callback done) {
  std::string header;
  {
    absl::MutexLock lock(&mu_);
    RegionState& state = regions_[region];
    const absl::Time now = clock_.Now();
    if (!state.header.empty() && now < state.expires) {
      header = state.header;
      if (now >= state.refresh_at && !state.fetching) StartFetch(region);
    } else {
      state.waiters.push_back(std::move(done));
      if (!state.fetching) StartFetch(region);
      return;
    }
  }
  std::move(done)(std::move(header));
}

void OAuth2TokenSource::Invalidate(const std::string& region,
                                   const std::string& rejected) {
  absl::MutexLock lock(&mu_);
  RegionState& state = regions_[region];
  if (state.header == rejected) {
    state.header.clear();
    state.expires = absl::InfinitePast();
  }
}

void OAuth2TokenSource::StartFetch(const std::string& region) {
  regions_[region].fetching = true;
  HttpRequest request;
  request.method = "POST";
  const auto endpoints = config_.regions.find(region);
  if (endpoints == config_.regions.end()) {
    // Unknown regions are rejected before a call gets here; fail the waiters
    // rather than crash.
    request.url = "";
  } else {
    request.url = endpoints->second.auth + "/oauth2/token";
  }
  absl::StatusOr<ClientCredentials> credentials = credentials_->Get();
  if (!credentials.ok() || request.url.empty()) {
    std::vector<Callback> waiters = std::move(regions_[region].waiters);
    regions_[region].waiters.clear();
    regions_[region].fetching = false;
    const absl::Status error = AuthError(
        absl::StatusCode::kUnavailable, v1::ERROR_REASON_UPSTREAM_AUTH_FAILED,
        credentials.ok() ? "region not configured"
                         : std::string(credentials.status().message()),
        region, 0);
    // Waiters run outside the lock: they may call back into the source.
    mu_.Unlock();
    for (Callback& waiter : waiters) std::move(waiter)(error);
    if (options_.on_refresh) options_.on_refresh(region, false);
    mu_.Lock();
    return;
  }
  request.headers = {
      {"Authorization", BasicHeader(*credentials)},
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Accept", "application/json"},
      {"User-Agent", config_.user_agent},
  };
  request.body = "grant_type=client_credentials";
  request.deadline = clock_.Now() + options_.request_timeout;
  // Send may complete inline, and FinishFetch takes mu_: never hold it across
  // the call.
  mu_.Unlock();
  transport_->Send(std::move(request),
                   [this, region](absl::StatusOr<HttpResponse> response) {
                     FinishFetch(region, std::move(response));
                   });
  mu_.Lock();
}

void OAuth2TokenSource::FinishFetch(const std::string& region,
                                    absl::StatusOr<HttpResponse> response) {
  absl::StatusOr<std::string> result;
  absl::Duration lifetime;
  if (!response.ok()) {
    result = AuthError(absl::StatusCode::kUnavailable,
                       v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
                       "Jumio token host unreachable", region, 0);
  } else if (response->status == 401 || response->status == 403 ||
             response->status == 400) {
    result = AuthError(absl::StatusCode::kUnavailable,
                       v1::ERROR_REASON_UPSTREAM_AUTH_FAILED,
                       "Jumio rejected the gateway's client credentials",
                       region, response->status);
  } else if (response->status != 200) {
    result = AuthError(absl::StatusCode::kUnavailable,
                       v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
                       "Jumio token host failed", region, response->status);
  } else {
    rapidjson::Document doc;
    // The body holds the access token: the parser's errors never echo it.
    const absl::Status parsed = core::ParseJson(response->body, &doc);
    if (!parsed.ok()) {
      result = AuthError(absl::StatusCode::kInternal,
                         v1::ERROR_REASON_UPSTREAM_MALFORMED,
                         absl::StrCat("Jumio token response is not readable: ",
                                      parsed.message()),
                         region, 200);
    } else if (!doc.IsObject() || !doc.HasMember("access_token") ||
               !doc["access_token"].IsString() ||
               !doc.HasMember("expires_in") || !doc["expires_in"].IsNumber()) {
      result = AuthError(absl::StatusCode::kInternal,
                         v1::ERROR_REASON_UPSTREAM_MALFORMED,
                         "Jumio token response is not readable", region, 200);
    } else if (const absl::string_view token(
                   doc["access_token"].GetString(),
                   doc["access_token"].GetStringLength());
               !IsBearerToken(token)) {
      // The message never holds the token, valid or not.
      result = AuthError(
          absl::StatusCode::kInternal, v1::ERROR_REASON_UPSTREAM_MALFORMED,
          "Jumio token response holds no usable bearer token", region, 200);
    } else {
      result = absl::StrCat("Bearer ", token);
      lifetime = absl::Seconds(doc["expires_in"].GetDouble());
    }
  }

  std::vector<Callback> waiters;
  {
    absl::MutexLock lock(&mu_);
    RegionState& state = regions_[region];
    state.fetching = false;
    if (result.ok()) {
      const absl::Time now = clock_.Now();
      state.header = *result;
      state.expires = now + lifetime;
      state.refresh_at =
          state.expires - std::min(options_.refresh_margin, lifetime / 2);
    }
    waiters = std::move(state.waiters);
    state.waiters.clear();
  }
  if (options_.on_refresh) options_.on_refresh(region, result.ok());
  for (Callback& waiter : waiters) std::move(waiter)(result);
}

}  // namespace jumio_gateway::jumio
