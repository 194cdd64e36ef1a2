#include "sandbox/auth.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace jumio::sandbox {
namespace {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool Authenticator::CheckClient(absl::string_view id,
                                absl::string_view secret) const {
  // Both comparisons always run so the answer's timing does not tell which part
  // was wrong.
  const bool id_ok = ConstantTimeEquals(id, client_id_);
  const bool secret_ok = ConstantTimeEquals(secret, client_secret_);
  return id_ok && secret_ok;
}

bool Authenticator::DecodeBasic(absl::string_view header, std::string* id,
                                std::string* secret) {
  if (header.size() < 6 ||
      !absl::EqualsIgnoreCase(header.substr(0, 6), "Basic "))
    return false;
  std::string decoded;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(header.substr(6)),
                            &decoded))
    return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *id = decoded.substr(0, colon);
  *secret = decoded.substr(colon + 1);
  return true;
}

std::string Authenticator::Issue(absl::string_view region) {
  std::string token = ids_->Token(32);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  // Expired tokens are dropped lazily here, which bounds the map by the issue
  // rate times ttl.
  if (tokens_.size() > 10000) {
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      auto cur = it++;
      if (cur->second.expires <= now) tokens_.erase(cur);
    }
  }
  tokens_[token] = Token{std::string(region), now + ttl_};
  return token;
}

AuthVerdict Authenticator::CheckBearer(absl::string_view region,
                                       absl::string_view token) {
  absl::Time expires;
  std::string issued_region;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return AuthVerdict::kInvalid;
    expires = it->second.expires;
    issued_region = it->second.region;
  }
  if (clock_->Now() >= expires) return AuthVerdict::kExpired;
  if (issued_region != region) return AuthVerdict::kOtherRegion;
  return AuthVerdict::kOk;
}

AuthVerdict Authenticator::Check(absl::string_view region,
                                 absl::string_view authorization) {
  if (authorization.empty()) return AuthVerdict::kMissing;
  if (authorization.size() > 7 &&
      absl::EqualsIgnoreCase(authorization.substr(0, 7), "Bearer ")) {
    return CheckBearer(region,
                       absl::StripAsciiWhitespace(authorization.substr(7)));
  }
  std::string id, secret;
  if (DecodeBasic(authorization, &id, &secret)) {
    return CheckClient(id, secret) ? AuthVerdict::kOk : AuthVerdict::kInvalid;
  }
  return AuthVerdict::kInvalid;
}

}  // namespace jumio::sandbox
