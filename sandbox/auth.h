// OAuth2 client-credentials tokens and the HTTP Basic alternative (002
// "Authentication"). Tokens are bound to the region whose auth host issued
// them, as Jumio's are.
#ifndef JUMIO_GATEWAY_SANDBOX_AUTH_H_
#define JUMIO_GATEWAY_SANDBOX_AUTH_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"

namespace jumio::sandbox {

enum class AuthVerdict {
  kOk,
  kMissing,      // no Authorization header: 401
  kInvalid,      // unknown token, wrong Basic credentials, unknown scheme: 401
  kExpired,      // token past expires_in: 401
  kOtherRegion,  // a valid token from another region's auth host: 403
};

class Authenticator {
 public:
  Authenticator(const Clock* clock, IdSource* ids, std::string client_id,
                std::string client_secret, absl::Duration token_ttl)
      : clock_(clock),
        ids_(ids),
        client_id_(std::move(client_id)),
        client_secret_(std::move(client_secret)),
        ttl_(token_ttl) {}

  bool CheckClient(absl::string_view id, absl::string_view secret) const;
  // Decodes "Basic base64(id:secret)"; false when the header is not Basic or
  // not decodable.
  static bool DecodeBasic(absl::string_view header, std::string* id,
                          std::string* secret);

  std::string Issue(absl::string_view region);
  absl::Duration ttl() const { return ttl_; }
  AuthVerdict Check(absl::string_view region, absl::string_view authorization);
  // A bearer token that Check would accept, without the header syntax.
  AuthVerdict CheckBearer(absl::string_view region, absl::string_view token);

 private:
  struct Token {
    std::string region;
    absl::Time expires;
  };
  const Clock* clock_;
  IdSource* ids_;
  const std::string client_id_;
  const std::string client_secret_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_AUTH_H_
