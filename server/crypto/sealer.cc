#include "server/crypto/sealer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::crypto {
namespace {

constexpr char kKeyIdDomain[] = "jumio-gateway storage key id";
constexpr size_t kHeaderBytes = 1 + kKeyIdBytes;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(&s[0]);
}

std::string KeyId(absl::string_view key) {
  // With the terminating NUL: the domain is its own field.
  std::string input(kKeyIdDomain, sizeof(kKeyIdDomain));
  input.append(key.data(), key.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(input), input.size(), digest);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<const char*>(digest), kKeyIdBytes);
}

// Whitespace anywhere is ignored.
std::string WithoutWhitespace(absl::string_view contents) {
  std::string out;
  out.reserve(contents.size());
  for (char c : contents) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

absl::Status Cleansed(std::string& s, absl::Status status) {
  OPENSSL_cleanse(s.data(), s.size());
  return status;
}

absl::Status DataLoss(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("sealed data ", why));
}

}  // namespace

absl::StatusOr<std::string> ParseKey(absl::string_view contents) {
  std::string text = WithoutWhitespace(contents);
  const bool all_hex =
      !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      });
  std::string key;
  if (all_hex && text.size() == 2 * kKeyBytes) {
    key = absl::HexStringToBytes(text);
    OPENSSL_cleanse(text.data(), text.size());
    return key;
  }
  const size_t digits = text.size();
  const bool base64 = absl::Base64Unescape(text, &key);
  OPENSSL_cleanse(text.data(), text.size());
  if (base64 && key.size() == kKeyBytes) return key;
  const size_t size = key.size();
  OPENSSL_cleanse(key.data(), key.size());
  if (digits == 0) {
    return absl::InvalidArgumentError(
        "is empty; it must hold 32 bytes as 64 hex digits or base64");
  }
  if (all_hex) {
    return absl::InvalidArgumentError(
        absl::StrCat("has ", digits,
                     " hex digits; it must hold 32 bytes as 64 hex digits or "
                     "base64"));
  }
  if (base64) {
    return absl::InvalidArgumentError(
        absl::StrCat("holds ", size,
                     " bytes as base64; it must hold 32 bytes as 64 hex "
                     "digits or base64"));
  }
  return absl::InvalidArgumentError(
      "is neither hex nor base64; it must hold 32 bytes as 64 hex digits or "
      "base64");
}

absl::StatusOr<Keyring> Keyring::FromFiles(
    const std::vector<std::string>& paths, absl::string_view setting) {
  if (paths.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": at least one key file is needed"));
  }
  std::vector<std::string> keys;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat(setting, ": cannot read key file ", path));
    }
    std::stringstream contents;
    contents << in.rdbuf();
    std::string text = contents.str();
    absl::StatusOr<std::string> key = ParseKey(text);
    OPENSSL_cleanse(text.data(), text.size());
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          setting, ": key file ", path, " ", key.status().message()));
    }
    keys.push_back(*std::move(key));
  }
  return FromKeys(std::move(keys));
}

absl::StatusOr<Keyring> Keyring::FromKeys(std::vector<std::string> keys) {
  if (keys.empty()) return absl::InvalidArgumentError("no storage key");
  Keyring ring;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].size() != kKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("storage key #", i + 1, " is not 32 bytes"));
    }
    ring.keys_.push_back(Key{KeyId(keys[i]), std::move(keys[i])});
  }
  return ring;
}

absl::StatusOr<Keyring> Keyring::Random() {
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(Bytes(key), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("no random bytes for a storage key");
  }
  std::vector<std::string> keys;
  keys.push_back(std::move(key));
  return FromKeys(std::move(keys));
}

Keyring::~Keyring() {
  for (Key& key : keys_) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
}

std::string Keyring::SealingKeyId() const {
  return keys_.empty() ? "" : absl::BytesToHexString(keys_.front().id);
}

absl::StatusOr<std::string> Keyring::Seal(absl::string_view plaintext,
                                          absl::string_view aad) const {
  if (keys_.empty()) return absl::FailedPreconditionError("no storage key");
  const Key& key = keys_.front();
  std::string out(kOverheadBytes + plaintext.size(), '\0');
  out[0] = static_cast<char>(kVersion);
  out.replace(1, kKeyIdBytes, key.id);
  unsigned char* nonce = Bytes(out) + kHeaderBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    return absl::InternalError("no random bytes for a nonce");
  }
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  unsigned char* cipher = nonce + kNonceBytes;
  const std::string header = out.substr(0, kHeaderBytes);
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key.bytes),
                         nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(header),
                        static_cast<int>(header.size())) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      (!plaintext.empty() &&
       EVP_EncryptUpdate(ctx.get(), cipher, &len, Bytes(plaintext),
                         static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher + plaintext.size()) != 1) {
    return Cleansed(out, absl::InternalError("sealing failed"));
  }
  return out;
}

absl::StatusOr<std::string> Keyring::Open(absl::string_view sealed,
                                          absl::string_view aad) const {
  if (sealed.size() < kOverheadBytes) return DataLoss("is truncated");
  if (static_cast<uint8_t>(sealed[0]) != kVersion) {
    return DataLoss("has an unknown version");
  }
  const absl::string_view id = sealed.substr(1, kKeyIdBytes);
  const Key* key = nullptr;
  for (const Key& k : keys_) {
    if (k.id == id) key = &k;
  }
  if (key == nullptr) {
    // The id is not the key; still, the message is the same for every blob.
    return absl::FailedPreconditionError(
        "sealed under a storage key that is not configured");
  }
  const absl::string_view header = sealed.substr(0, kHeaderBytes);
  const absl::string_view nonce = sealed.substr(kHeaderBytes, kNonceBytes);
  const absl::string_view cipher =
      sealed.substr(kHeaderBytes + kNonceBytes, sealed.size() - kOverheadBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(cipher.size(), '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key->bytes),
                         Bytes(nonce)) != 1) {
    return absl::InternalError("opening failed");
  }
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(header),
                        static_cast<int>(header.size())) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      (!cipher.empty() &&
       EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(cipher),
                         static_cast<int>(cipher.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          Bytes(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + out.size(), &len) != 1) {
    // Unauthenticated plaintext is never handed out.
    return Cleansed(out, DataLoss("does not open (tampered, or moved from "
                                  "another record)"));
  }
  return out;
}

bool IsMissingKey(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition;
}

}  // namespace jumio_gateway::crypto
