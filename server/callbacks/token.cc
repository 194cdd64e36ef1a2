#include "server/callbacks/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;

namespace {

// 128 bits of MAC and of nonce: unguessable, and the URL stays far below
// Jumio's 255-character callbackUrl limit.
constexpr size_t kMacBytes = 16;
constexpr size_t kNonceBytes = 16;
// base64url without padding of 16 bytes.
constexpr size_t kEncodedLen = 22;
constexpr size_t kMinKeyBytes = 32;

std::string Encode(absl::string_view bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);  // no padding
  return out;
}

bool ConstantTimeEqual(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool IsBase64Url(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

const char* TokenVerdictName(TokenVerdict verdict) {
  switch (verdict) {
    case TokenVerdict::kOk:
      return "ok";
    case TokenVerdict::kMalformed:
      return "token_malformed";
    case TokenVerdict::kBadMac:
      return "token_bad_mac";
    case TokenVerdict::kUnbound:
      return "token_unbound";
    case TokenVerdict::kAccountMismatch:
      return "token_account_mismatch";
    case TokenVerdict::kStoreError:
      return "token_store_error";
  }
  return "token_unknown";
}

absl::StatusOr<HmacKeyring> HmacKeyring::FromFiles(
    const std::vector<std::string>& paths) {
  std::vector<std::string> keys;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      // The path is configuration, not a secret.
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read callback HMAC key file ", path));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    keys.push_back(std::string(absl::StripAsciiWhitespace(ss.str())));
  }
  return FromKeys(std::move(keys));
}

absl::StatusOr<HmacKeyring> HmacKeyring::FromKeys(
    std::vector<std::string> keys) {
  if (keys.empty()) {
    return absl::InvalidArgumentError("at least one callback HMAC key needed");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].size() < kMinKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "callback HMAC key #", i + 1, " is shorter than 32 bytes"));
    }
  }
  HmacKeyring ring;
  ring.keys_ = std::move(keys);
  return ring;
}

std::string HmacKeyring::Mac(size_t index, absl::string_view message) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string& key = keys_[index];
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

CallbackUrlIssuer::CallbackUrlIssuer(std::string public_base_url,
                                     HmacKeyring keys, CallbackLog* log)
    : base_(absl::StripSuffix(public_base_url, "/")),
      keys_(std::move(keys)),
      log_(log) {}

std::string CallbackUrlIssuer::AccountMac(size_t key,
                                          absl::string_view account_id) const {
  return Encode(
      keys_.Mac(key, absl::StrCat("acct:", account_id)).substr(0, kMacBytes));
}

std::string CallbackUrlIssuer::NonceMac(size_t key,
                                        absl::string_view nonce) const {
  return Encode(
      keys_.Mac(key, absl::StrCat("nonce:", nonce)).substr(0, kMacBytes));
}

absl::StatusOr<CallbackUrlIssuer::Issued>
CallbackUrlIssuer::IssueForNewAccount() const {
  unsigned char raw[kNonceBytes];
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    return absl::InternalError("no randomness for a callback token");
  }
  Issued issued;
  issued.binding_handle =
      Encode(absl::string_view(reinterpret_cast<char*>(raw), sizeof(raw)));
  issued.url =
      absl::StrCat(base_, kCallbackPathPrefix, "n", issued.binding_handle,
                   NonceMac(0, issued.binding_handle));
  return issued;
}

absl::Status CallbackUrlIssuer::Bind(absl::string_view binding_handle,
                                     v1::Region region,
                                     absl::string_view account_id) const {
  if (binding_handle.size() != kEncodedLen || !IsBase64Url(binding_handle)) {
    return absl::InvalidArgumentError("not a binding handle");
  }
  Binding b;
  b.region = region;
  b.account_id = std::string(account_id);
  return log_->PutBinding(binding_handle, b);
}

std::string CallbackUrlIssuer::UrlForAccount(
    absl::string_view account_id) const {
  return absl::StrCat(base_, kCallbackPathPrefix, "a",
                      AccountMac(0, account_id));
}

TokenVerdict CallbackUrlIssuer::Verify(absl::string_view token,
                                       absl::string_view account_id,
                                       v1::Region* bound_region) const {
  if (token.empty() || !IsBase64Url(token.substr(1))) {
    return TokenVerdict::kMalformed;
  }
  const char kind = token[0];
  absl::string_view rest = token.substr(1);
  if (kind == 'a') {
    if (rest.size() != kEncodedLen) return TokenVerdict::kMalformed;
    // An account token carries no id, so "wrong account" and "forged" look
    // the same: the MAC does not match this account under any key.
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (ConstantTimeEqual(rest, AccountMac(k, account_id))) {
        return TokenVerdict::kOk;
      }
    }
    return TokenVerdict::kBadMac;
  }
  if (kind != 'n' || rest.size() != 2 * kEncodedLen) {
    return TokenVerdict::kMalformed;
  }
  const absl::string_view nonce = rest.substr(0, kEncodedLen);
  const absl::string_view mac = rest.substr(kEncodedLen);
  bool mac_ok = false;
  for (size_t k = 0; k < keys_.size() && !mac_ok; ++k) {
    mac_ok = ConstantTimeEqual(mac, NonceMac(k, nonce));
  }
  // Only a MAC-valid token reaches the store: guessing costs no lookups.
  if (!mac_ok) return TokenVerdict::kBadMac;
  absl::StatusOr<absl::optional<Binding>> binding = log_->GetBinding(nonce);
  if (!binding.ok()) return TokenVerdict::kStoreError;
  if (!binding->has_value()) return TokenVerdict::kUnbound;
  if (!ConstantTimeEqual((*binding)->account_id, account_id)) {
    return TokenVerdict::kAccountMismatch;
  }
  if (bound_region != nullptr) *bound_region = (*binding)->region;
  return TokenVerdict::kOk;
}

}  // namespace jumio_gateway::callbacks
