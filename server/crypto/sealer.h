// Secrets at rest (issue 17): what the gateway stores that is a bearer
// credential is sealed with AES-256-GCM (OpenSSL libcrypto) under a keyring.
//
// A keyring is read from key files (storage_key_files): the first key seals,
// every key opens, so a key is rotated by listing the new one first and
// restarting; records sealed under an older key stay readable while that key
// is listed. A key file holds 32 bytes as 64 hex digits or as base64;
// whitespace anywhere is ignored.
//
// A sealed blob (the envelope):
//   version (1 byte, kVersion) | key id (8 bytes) | nonce (12 bytes, random)
//   | ciphertext | tag (16 bytes)
// The key id is the first 8 bytes of SHA-256("jumio-gateway storage key id\0"
// + key): it lets the reader pick the key without revealing it. The
// associated data is the header (version and key id) followed by the caller's
// `aad`, which names the record and its purpose (for a request-id outcome:
// the request-id key), so a blob moved to another record does not open.
//
// Errors never contain key bytes, plaintext or the blob.
#ifndef JUMIO_GATEWAY_SERVER_CRYPTO_SEALER_H_
#define JUMIO_GATEWAY_SERVER_CRYPTO_SEALER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::crypto {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kKeyIdBytes = 8;
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr uint8_t kVersion = 1;
// Version, key id, nonce and tag: what sealing adds to the plaintext.
inline constexpr size_t kOverheadBytes =
    1 + kKeyIdBytes + kNonceBytes + kTagBytes;

// A key file's contents as 32 key bytes: 64 hex digits or base64 of 32 bytes,
// whitespace ignored. The error says what is wrong, never what was read.
absl::StatusOr<std::string> ParseKey(absl::string_view contents);

// Immutable once made: share it by const reference across threads.
class Keyring {
 public:
  // Reads and parses each file, the first is the sealing key. An error names
  // `setting` and the file (a path is configuration, not a secret).
  static absl::StatusOr<Keyring> FromFiles(
      const std::vector<std::string>& paths, absl::string_view setting);
  // Raw 32-byte keys, the first seals.
  static absl::StatusOr<Keyring> FromKeys(std::vector<std::string> keys);
  // One fresh random key, held by this process only.
  static absl::StatusOr<Keyring> Random();

  Keyring(Keyring&& other) = default;
  Keyring& operator=(Keyring&& other) = default;
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;
  ~Keyring();

  // `plaintext` sealed under the first key, bound to `aad`.
  absl::StatusOr<std::string> Seal(absl::string_view plaintext,
                                   absl::string_view aad) const;
  // The plaintext of `sealed` if it was sealed under one of these keys with
  // this `aad` and is intact. FAILED_PRECONDITION: sealed under a key this
  // keyring does not hold (IsMissingKey). DATA_LOSS: not a blob of a known
  // version, truncated, or tampered with (wrong aad included).
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view aad) const;

  size_t size() const { return keys_.size(); }
  // The sealing key's id, as hex (safe to log).
  std::string SealingKeyId() const;

 private:
  struct Key {
    std::string id;     // kKeyIdBytes
    std::string bytes;  // kKeyBytes
  };
  Keyring() = default;
  std::vector<Key> keys_;
};

// Whether an Open error means the blob's key is not in the keyring.
bool IsMissingKey(const absl::Status& status);

}  // namespace jumio_gateway::crypto

#endif  // JUMIO_GATEWAY_SERVER_CRYPTO_SEALER_H_
