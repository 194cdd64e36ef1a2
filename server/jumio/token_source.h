// Where the Authorization header of every Jumio call comes from. Callers never
// see Jumio tokens: the gateway holds the client credentials and answers each
// call with a header for its region.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_TOKEN_SOURCE_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_TOKEN_SOURCE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/jumio/credentials.h"
#include "server/jumio/endpoints.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::jumio {

class TokenSource {
 public:
  // Receives the Authorization header value ("Bearer ..." or "Basic ..."), or
  // an error: UNAVAILABLE with reason UPSTREAM_AUTH_FAILED when Jumio refused
  // the credentials, or UPSTREAM_UNAVAILABLE when the token host could not be
  // reached.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<std::string>) &&>;

  virtual ~TokenSource() = default;
  // Calls `done` exactly once, inline when a valid header is at hand.
  virtual void GetAuthorization(const std::string& region, Callback done) = 0;
  // Jumio answered 401 to a call made with `rejected`: forget it, so the next
  // call fetches anew.
  virtual void Invalidate(const std::string& region,
                          const std::string& rejected) = 0;
};

// HTTP Basic with the client id and secret, Jumio's legacy alternative to
// OAuth2.
class BasicAuthSource : public TokenSource {
 public:
  explicit BasicAuthSource(CredentialsProvider* credentials)
      : credentials_(credentials) {}
  void GetAuthorization(const std::string& region, Callback done) override;
  void Invalidate(const std::string&, const std::string&) override {}

 private:
  CredentialsProvider* const credentials_;
};

// OAuth2 client-credentials tokens from each region's auth host, cached until
// shortly before they expire. However many calls wait, at most one token
// request per region is in flight (single flight). A token in its last
// `refresh_margin` is still handed out while one background refresh replaces
// it, so callers never wait for a refresh they do not need.
class OAuth2TokenSource : public TokenSource {
 public:
  struct Options {
    // Refresh when less than this much lifetime is left (capped at half the
    // lifetime).
    absl::Duration refresh_margin = absl::Minutes(2);
    // Limit of one token request; callers' own deadlines still apply to their
    // calls.
    absl::Duration request_timeout = absl::Seconds(10);
    // Told about every token request: region and whether it succeeded (for
    // metrics).
    std::function<void(const std::string& region, bool ok)> on_refresh;
  };
  using Clock = core::Clock;

  // `transport` completes every transfer before it is destroyed, and must be
  // destroyed (or drained) before this source, whose token requests it may
  // still be completing.
  OAuth2TokenSource(const jumio::JumioHosts& config,
                    CredentialsProvider* credentials, HttpTransport* transport,
                    const Clock& clock, Options options);

  void GetAuthorization(const std::string& region, Callback done) override;
  void Invalidate(const std::string& region,
                  const std::string& rejected) override;

 private:
  struct RegionState {
    std::string header;  // "Bearer <token>", empty when none
    absl::Time expires = absl::InfinitePast();
    absl::Time refresh_at = absl::InfinitePast();
    bool fetching = false;
    std::vector<Callback> waiters;
  };
  void StartFetch(const std::string& region) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishFetch(const std::string& region,
                   absl::StatusOr<HttpResponse> response);

  const jumio::JumioHosts& config_;
  CredentialsProvider* const credentials_;
  HttpTransport* const transport_;
  const Clock& clock_;
  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, RegionState> regions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_TOKEN_SOURCE_H_
