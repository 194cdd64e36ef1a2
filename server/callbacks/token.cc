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

bool IsAccountId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxTokenAccountIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-') return false;
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

std::string CallbackUrlIssuer::IdMac(size_t key,
                                     absl::string_view account_id) const {
  return Encode(keys_.Mac(key, absl::StrCat("acct-id:", account_id))
                    .substr(0, kMacBytes));
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
  if (!IsAccountId(account_id)) {
    // Cannot be carried in the URL; never happens with Jumio's UUIDs.
    return absl::StrCat(base_, kCallbackPathPrefix, "a",
                        AccountMac(0, account_id));
  }
  return absl::StrCat(base_, kCallbackPathPrefix, "i", account_id, "_",
                      IdMac(0, account_id));
}

namespace {

// The parts of a token, split by kind; kind 0 when malformed.
struct TokenParts {
  char kind = 0;
  absl::string_view account_id;  // 'i'
  absl::string_view nonce;       // 'n'
  absl::string_view mac;         // every kind
};

TokenParts Split(absl::string_view token) {
  TokenParts p;
  if (token.empty()) return p;
  const char kind = token[0];
  const absl::string_view rest = token.substr(1);
  if (kind == 'a') {
    if (rest.size() != kEncodedLen || !IsBase64Url(rest)) return p;
    p.mac = rest;
  } else if (kind == 'n') {
    if (rest.size() != 2 * kEncodedLen || !IsBase64Url(rest)) return p;
    p.nonce = rest.substr(0, kEncodedLen);
    p.mac = rest.substr(kEncodedLen);
  } else if (kind == 'i') {
    // "<id>_<mac>": the MAC is the last 22 characters (it may itself hold
    // '_'), the separator the one before.
    if (rest.size() < kEncodedLen + 2) return p;
    const size_t sep = rest.size() - kEncodedLen - 1;
    if (rest[sep] != '_') return p;
    p.account_id = rest.substr(0, sep);
    p.mac = rest.substr(sep + 1);
    if (!IsAccountId(p.account_id) || !IsBase64Url(p.mac)) return p;
  } else {
    return p;
  }
  p.kind = kind;
  return p;
}

}  // namespace

TokenVerdict CallbackUrlIssuer::PreVerify(absl::string_view token) const {
  const TokenParts p = Split(token);
  if (p.kind == 0) return TokenVerdict::kMalformed;
  if (p.kind == 'a') return TokenVerdict::kOk;  // names no account: later
  for (size_t k = 0; k < keys_.size(); ++k) {
    const std::string expected =
        p.kind == 'i' ? IdMac(k, p.account_id) : NonceMac(k, p.nonce);
    if (ConstantTimeEqual(p.mac, expected)) return TokenVerdict::kOk;
  }
  return TokenVerdict::kBadMac;
}

TokenVerdict CallbackUrlIssuer::Verify(absl::string_view token,
                                       absl::string_view account_id,
                                       v1::Region* bound_region) const {
  const TokenParts p = Split(token);
  if (p.kind == 0) return TokenVerdict::kMalformed;
  if (p.kind == 'a') {
    // A legacy token carries no id, so "wrong account" and "forged" look
    // the same: the MAC does not match this account under any key.
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (ConstantTimeEqual(p.mac, AccountMac(k, account_id))) {
        return TokenVerdict::kOk;
      }
    }
    return TokenVerdict::kBadMac;
  }
  const TokenVerdict pre = PreVerify(token);
  if (pre != TokenVerdict::kOk) return pre;
  if (p.kind == 'i') {
    return ConstantTimeEqual(p.account_id, account_id)
               ? TokenVerdict::kOk
               : TokenVerdict::kAccountMismatch;
  }
  // Only a MAC-valid token reaches the store: guessing costs no lookups.
  absl::StatusOr<absl::optional<Binding>> binding = log_->GetBinding(p.nonce);
  if (!binding.ok()) return TokenVerdict::kStoreError;
  if (!binding->has_value()) return TokenVerdict::kUnbound;
  if (!ConstantTimeEqual((*binding)->account_id, account_id)) {
    return TokenVerdict::kAccountMismatch;
  }
  if (bound_region != nullptr) *bound_region = (*binding)->region;
  return TokenVerdict::kOk;
}

}  // namespace jumio_gateway::callbacks
