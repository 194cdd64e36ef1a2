#include "server/crypto/sealer.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace jumio_gateway::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string KeyOf(char fill) { return std::string(kKeyBytes, fill); }

Keyring RingOf(std::vector<std::string> keys) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys(std::move(keys));
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

std::string TempFile(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid());
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(SealerTest, RoundTripsAndHidesThePlaintext) {
  Keyring ring = RingOf({KeyOf('k')});
  const std::string secret = "sdk-token-0123456789 web-client-link-token";
  absl::StatusOr<std::string> sealed = ring.Seal(secret, "record-1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->size(), secret.size() + kOverheadBytes);
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), kVersion);
  EXPECT_THAT(*sealed, Not(HasSubstr("sdk-token")));
  EXPECT_THAT(*sealed, Not(HasSubstr(KeyOf('k'))));
  absl::StatusOr<std::string> opened = ring.Open(*sealed, "record-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, secret);
}

// A blob made by another AES-256-GCM implementation (Python's cryptography)
// from the documented envelope: key 00..1f, nonce 64..6f, associated data =
// version + key id + the caller's aad. Fails if the format drifts.
TEST(SealerTest, OpensAKnownAnswerFromAnotherImplementation) {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  Keyring ring = RingOf({key});
  EXPECT_EQ(ring.SealingKeyId(), "cff606c562420fd5");
  const std::string blob = absl::HexStringToBytes(
      "01cff606c562420fd56465666768696a6b6c6d6e6f2375b11117c937f04d153a9ae045"
      "199929ef7265e0099d5fc6b3cfa5b06e988eb2b5df9e4c404cf2c3e91f");
  const std::string aad =
      absl::StrCat(absl::string_view("request-id-outcome\0", 19),
                   "CreateAccount:known-answer");
  absl::StatusOr<std::string> opened = ring.Open(blob, aad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "known answer: sdk-token-abc");
}

TEST(SealerTest, EmptyPlaintextAndEmptyAadRoundTrip) {
  Keyring ring = RingOf({KeyOf('k')});
  absl::StatusOr<std::string> sealed = ring.Seal("", "");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), kOverheadBytes);
  absl::StatusOr<std::string> opened = ring.Open(*sealed, "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "");
}

TEST(SealerTest, EverySealHasItsOwnNonce) {
  Keyring ring = RingOf({KeyOf('k')});
  EXPECT_NE(*ring.Seal("same", "aad"), *ring.Seal("same", "aad"));
}

TEST(SealerTest, AnotherKeyIsAMissingKeyNotGarbage) {
  Keyring writer = RingOf({KeyOf('a')});
  Keyring reader = RingOf({KeyOf('b')});
  const std::string sealed = *writer.Seal("secret", "aad");
  absl::StatusOr<std::string> opened = reader.Open(sealed, "aad");
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(IsMissingKey(opened.status())) << opened.status();
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("secret")));
}

TEST(SealerTest, AForgedKeyIdWithTheWrongKeyDoesNotOpen) {
  // Same id bytes as the reader's key, but sealed under another key.
  Keyring writer = RingOf({KeyOf('a')});
  Keyring reader = RingOf({KeyOf('b')});
  std::string sealed = *writer.Seal("secret", "aad");
  const std::string reader_id = *reader.Seal("", "");
  sealed.replace(1, kKeyIdBytes, reader_id.substr(1, kKeyIdBytes));
  absl::StatusOr<std::string> opened = reader.Open(sealed, "aad");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
}

TEST(SealerTest, EveryTamperedByteIsRefused) {
  Keyring ring = RingOf({KeyOf('k')});
  const std::string sealed = *ring.Seal("a bearer token", "record-1");
  // Each byte after the version: key id (missing key), nonce, ciphertext and
  // tag (data loss); the version itself (unknown version).
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    absl::StatusOr<std::string> opened = ring.Open(tampered, "record-1");
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    if (i >= 1 && i < 1 + kKeyIdBytes) {
      EXPECT_TRUE(IsMissingKey(opened.status())) << "byte " << i;
    } else {
      EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss)
          << "byte " << i;
    }
  }
}

TEST(SealerTest, ABlobMovedToAnotherRecordDoesNotOpen) {
  Keyring ring = RingOf({KeyOf('k')});
  const std::string sealed = *ring.Seal("outcome", "CreateAccount:id-1");
  absl::StatusOr<std::string> opened = ring.Open(sealed, "CreateAccount:id-2");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ring.Open(sealed, "").status().code(), absl::StatusCode::kDataLoss);
}

TEST(SealerTest, TruncatedAndUnknownVersionAreRefused) {
  Keyring ring = RingOf({KeyOf('k')});
  const std::string sealed = *ring.Seal("outcome", "aad");
  for (size_t size :
       {size_t{0}, size_t{1}, kOverheadBytes - 1, sealed.size() - 1}) {
    EXPECT_EQ(ring.Open(sealed.substr(0, size), "aad").status().code(),
              absl::StatusCode::kDataLoss)
        << size;
  }
  std::string v2 = sealed;
  v2[0] = 2;
  absl::StatusOr<std::string> opened = ring.Open(v2, "aad");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(opened.status().message(), HasSubstr("version"));
  // A plain google.rpc.Status (what was stored before sealing) is not a blob.
  EXPECT_FALSE(ring.Open(std::string("\x08\x05\x12\x03"
                                     "abc" +
                                     std::string(40, 'x')),
                         "aad")
                   .ok());
}

TEST(SealerTest, EveryKeyOpensTheFirstSeals) {
  Keyring old_ring = RingOf({KeyOf('o')});
  Keyring rotated = RingOf({KeyOf('n'), KeyOf('o')});
  const std::string old_blob = *old_ring.Seal("old", "aad");
  EXPECT_EQ(*rotated.Open(old_blob, "aad"), "old");
  const std::string new_blob = *rotated.Seal("new", "aad");
  EXPECT_TRUE(IsMissingKey(old_ring.Open(new_blob, "aad").status()));
  Keyring new_only = RingOf({KeyOf('n')});
  EXPECT_EQ(*new_only.Open(new_blob, "aad"), "new");
  EXPECT_TRUE(IsMissingKey(new_only.Open(old_blob, "aad").status()));
  EXPECT_NE(old_ring.SealingKeyId(), rotated.SealingKeyId());
  EXPECT_EQ(new_only.SealingKeyId(), rotated.SealingKeyId());
  EXPECT_EQ(rotated.SealingKeyId().size(), 2 * kKeyIdBytes);
}

TEST(SealerTest, RandomKeyringsDiffer) {
  absl::StatusOr<Keyring> a = Keyring::Random();
  absl::StatusOr<Keyring> b = Keyring::Random();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(IsMissingKey(b->Open(*a->Seal("x", ""), "").status()));
}

TEST(KeyParsingTest, HexAndBase64WithWhitespace) {
  const std::string key = KeyOf('\x5a');
  const std::string hex = absl::BytesToHexString(key);
  EXPECT_EQ(*ParseKey(hex), key);
  EXPECT_EQ(*ParseKey(absl::AsciiStrToUpper(hex)), key);
  EXPECT_EQ(*ParseKey(absl::StrCat("  ", hex.substr(0, 32), "\n",
                                   hex.substr(32), "\r\n")),
            key);
  const std::string b64 = absl::Base64Escape(key);
  EXPECT_EQ(*ParseKey(b64 + "\n"), key);
  EXPECT_EQ(*ParseKey(absl::StrCat(b64.substr(0, 10), " \t", b64.substr(10))),
            key);
}

TEST(KeyParsingTest, AnythingElseIsRefusedWithoutEchoingIt) {
  const std::string key = KeyOf('\x5a');
  const std::vector<std::string> bad = {
      "",
      "   \n",
      absl::BytesToHexString(key).substr(2),     // 31 bytes of hex
      absl::BytesToHexString(key) + "00",        // 33 bytes of hex
      absl::Base64Escape(std::string(31, 'k')),  // 31 bytes
      absl::Base64Escape(std::string(48, 'k')),  // 48 bytes
      "not-a-key-at-all!!",                      // neither
      std::string(64, 'g'),                      // not hex, not 32 bytes
  };
  for (const std::string& contents : bad) {
    absl::StatusOr<std::string> parsed = ParseKey(contents);
    ASSERT_FALSE(parsed.ok()) << contents;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    if (contents.size() > 4) {
      EXPECT_THAT(parsed.status().message(), Not(HasSubstr(contents)));
    }
  }
}

TEST(KeyParsingTest, FromFilesNamesTheSettingAndTheFileNeverTheKey) {
  const std::string key_hex = absl::BytesToHexString(KeyOf('\x11'));
  const std::string good = TempFile("good-key", key_hex + "\n");
  const std::string short_key = TempFile("short-key", key_hex.substr(4));
  absl::StatusOr<Keyring> ring =
      Keyring::FromFiles({good, short_key}, "storage_key_files");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ring.status().message(), HasSubstr("storage_key_files"));
  EXPECT_THAT(ring.status().message(), HasSubstr(short_key));
  EXPECT_THAT(ring.status().message(), Not(HasSubstr(key_hex.substr(4, 20))));

  absl::StatusOr<Keyring> missing =
      Keyring::FromFiles({good, "/nonexistent/key"}, "storage_key_files");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/key"));
  EXPECT_THAT(missing.status().message(), HasSubstr("storage_key_files"));

  EXPECT_FALSE(Keyring::FromFiles({}, "storage_key_files").ok());

  absl::StatusOr<Keyring> loaded = Keyring::FromFiles({good}, "s");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*RingOf({KeyOf('\x11')}).Open(*loaded->Seal("x", "a"), "a"), "x");
}

TEST(KeyParsingTest, FromKeysRefusesWrongSizes) {
  EXPECT_FALSE(Keyring::FromKeys({}).ok());
  EXPECT_FALSE(Keyring::FromKeys({KeyOf('a'), std::string(31, 'b')}).ok());
}

}  // namespace
}  // namespace jumio_gateway::crypto
