// Callback URL tokens: Jumio signs nothing, so the gateway makes the URL
// itself the proof. When it creates or updates an account it sets
// callbackUrl = <public base>/callbacks/v1/<token>, where the token is an HMAC
// (keys from the secrets files) bound to that account. A callback whose token
// does not belong to the account in its body is rejected, even from an allowed
// address.
//
// Three token kinds. The receiver checks the token from the URL alone
// (PreVerify) before it reads a byte of the body, and binds it to the body's
// account (Verify) after parsing:
//  * id token "i<account id>_<mac>": mac = HMAC(key, "acct-id:" + account
//    id). Issued for every account update since issue 9: it is fully
//    verified before the body (the id it carries is authentic), and after the
//    parse the body's account id must equal it. Needs no storage.
//  * nonce token "n<nonce><mac>": mac = HMAC(key, "nonce:" + nonce). For an
//    account create the id is only known from Jumio's response, so the caller
//    binds the nonce to (region, account id) afterwards, in the callback log,
//    where every replica can see it. The MAC is verified before the body; the
//    binding (a store read) after the parse.
//  * legacy account token "a<mac>": mac = HMAC(key, "acct:" + account id).
//    No longer issued, still accepted so that callback URLs already
//    registered at Jumio keep working. It names no account, so only its
//    format can be checked before the body; its MAC after the parse.
// Account ids that cannot be carried ([A-Za-z0-9-], at most
// kMaxTokenAccountIdLength) get the legacy form; Jumio's are UUIDs.
// Keys rotate: the first key signs, every listed key verifies (current and
// previous), so URLs issued before a rotation keep working.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_TOKEN_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/common.pb.h"
#include "server/callbacks/callback_log.h"

namespace jumio_gateway::callbacks {

// HMAC-SHA256 keys, current first.
class HmacKeyring {
 public:
  // Each file holds one key (surrounding whitespace ignored), at least 32
  // bytes. The first file is the current key.
  static absl::StatusOr<HmacKeyring> FromFiles(
      const std::vector<std::string>& paths);
  static absl::StatusOr<HmacKeyring> FromKeys(std::vector<std::string> keys);

  size_t size() const { return keys_.size(); }
  // HMAC-SHA256 of `message` with key `index`.
  std::string Mac(size_t index, absl::string_view message) const;

 private:
  std::vector<std::string> keys_;
};

enum class TokenVerdict {
  kOk,
  kMalformed,        // not a token this gateway issues
  kBadMac,           // no key produced it: forged or guessed
  kUnbound,          // valid nonce token, not (yet) bound to an account
  kAccountMismatch,  // valid token of another account
  kStoreError,       // the binding could not be read
};

const char* TokenVerdictName(TokenVerdict verdict);

class CallbackUrlIssuer {
 public:
  // `public_base_url` is what Jumio can reach, e.g.
  // https://callbacks.example.com (no trailing slash needed). `log` stores
  // bindings and must outlive this.
  CallbackUrlIssuer(std::string public_base_url, HmacKeyring keys,
                    CallbackLog* log);

  struct Issued {
    std::string url;
    // Pass to Bind once the account id is known.
    std::string binding_handle;
  };

  // For an account create: a URL bound by Bind after Jumio answers.
  absl::StatusOr<Issued> IssueForNewAccount() const;
  // Records which account the URL of `handle` belongs to. Idempotent for the
  // same account; FAILED_PRECONDITION for another one. Until this succeeds,
  // callbacks to that URL are rejected (kUnbound), so the caller should retry
  // a failure (UNAVAILABLE) before reporting the account created.
  absl::Status Bind(absl::string_view binding_handle,
                    ::jumio::gateway::v1::Region region,
                    absl::string_view account_id) const;
  // For an account update: needs no storage.
  std::string UrlForAccount(absl::string_view account_id) const;

  // What the token alone proves, before the body is read: kOk when it is
  // well formed and (id and nonce tokens) its MAC verifies, else kMalformed
  // or kBadMac. Pure computation: no store access, so it may run on an I/O
  // thread.
  TokenVerdict PreVerify(absl::string_view token) const;

  // Checks `token` (the last path segment) against the callback's account:
  // everything PreVerify does, then the binding (kAccountMismatch, kUnbound,
  // kStoreError; a legacy token whose MAC does not match this account is
  // kBadMac). For a bound nonce token, `*bound_region` is set to the
  // binding's region. May read the store (nonce tokens).
  TokenVerdict Verify(absl::string_view token, absl::string_view account_id,
                      ::jumio::gateway::v1::Region* bound_region) const;

  const std::string& public_base_url() const { return base_; }

 private:
  std::string AccountMac(size_t key, absl::string_view account_id) const;
  std::string IdMac(size_t key, absl::string_view account_id) const;
  std::string NonceMac(size_t key, absl::string_view nonce) const;

  std::string base_;
  HmacKeyring keys_;
  CallbackLog* log_;
};

// The longest account id an id token carries: the receiver's route allows
// tokens of up to 128 characters ("i" + id + "_" + 22).
inline constexpr size_t kMaxTokenAccountIdLength = 104;

// The path prefix the receiver serves; the token follows it.
inline constexpr char kCallbackPathPrefix[] = "/callbacks/v1/";

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_TOKEN_H_
