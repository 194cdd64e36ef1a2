#include "server/callbacks/token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;

const std::string kOld(40, 'o');
const std::string kNew(40, 'n');

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    o.path = jumio::testing::MakeTempDir() + "/t.db";
    log_ = *SqliteCallbackLog::Open(o);
  }
  CallbackUrlIssuer Issuer(std::vector<std::string> keys) {
    return CallbackUrlIssuer("https://cb.example.com/",
                             *HmacKeyring::FromKeys(std::move(keys)),
                             log_.get());
  }
  static std::string Token(const std::string& url) {
    absl::string_view t = url;
    EXPECT_TRUE(absl::ConsumePrefix(&t, "https://cb.example.com/callbacks/v1/"))
        << url;
    return std::string(t);
  }
  std::unique_ptr<SqliteCallbackLog> log_;
};

TEST_F(TokenTest, IdTokenIsVerifiedBeforeTheBodyAndBoundToItsAccount) {
  CallbackUrlIssuer issuer = Issuer({kNew});
  const std::string id = "4f2b1c9e-7d3a-4e8b-9c1d-2a3b4c5d6e7f";
  const std::string token = Token(issuer.UrlForAccount(id));
  // Issued in the new form: it names the account.
  EXPECT_TRUE(absl::StartsWith(token, "i" + id + "_")) << token;
  EXPECT_LE(token.size(), 128u);
  EXPECT_EQ(issuer.PreVerify(token), TokenVerdict::kOk);
  EXPECT_EQ(issuer.Verify(token, id, nullptr), TokenVerdict::kOk);
  EXPECT_EQ(issuer.Verify(token, "acct-2", nullptr),
            TokenVerdict::kAccountMismatch);
  // Another account's id with this MAC, or a changed MAC: forged, and
  // caught before any body is read.
  std::string other_id = token;
  other_id[1] = other_id[1] == '4' ? '5' : '4';
  EXPECT_EQ(issuer.PreVerify(other_id), TokenVerdict::kBadMac);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(issuer.PreVerify(forged), TokenVerdict::kBadMac);
  EXPECT_EQ(issuer.Verify(forged, id, nullptr), TokenVerdict::kBadMac);
  for (const char* bad :
       {"", "x", "i", "i_", "iacct_short", "iac$ct_AAAAAAAAAAAAAAAAAAAAAA",
        "i_AAAAAAAAAAAAAAAAAAAAAA", "iacctXAAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_EQ(issuer.PreVerify(bad), TokenVerdict::kMalformed) << bad;
    EXPECT_EQ(issuer.Verify(bad, "acct", nullptr), TokenVerdict::kMalformed)
        << bad;
  }
  EXPECT_LE(issuer.UrlForAccount(id).size(), 255u);
}

TEST_F(TokenTest, LegacyAccountTokensStillVerifyAfterTheParse) {
  // The form issued before issue 9, as URLs registered at Jumio carry it:
  // "a" + base64url(HMAC(key, "acct:" + id)[0:16]).
  CallbackUrlIssuer issuer = Issuer({kNew});
  const HmacKeyring ring = *HmacKeyring::FromKeys({kNew});
  std::string legacy;
  absl::WebSafeBase64Escape(ring.Mac(0, "acct:acct-1").substr(0, 16), &legacy);
  legacy = "a" + legacy;
  // Before the body only its format can be checked...
  EXPECT_EQ(issuer.PreVerify(legacy), TokenVerdict::kOk);
  EXPECT_EQ(issuer.PreVerify("aAAAAAAAAAAAAAAAAAAAAAA"), TokenVerdict::kOk);
  EXPECT_EQ(issuer.PreVerify("aAAAA"), TokenVerdict::kMalformed);
  // ...its MAC after the parse.
  EXPECT_EQ(issuer.Verify(legacy, "acct-1", nullptr), TokenVerdict::kOk);
  EXPECT_EQ(issuer.Verify(legacy, "acct-2", nullptr), TokenVerdict::kBadMac);
  EXPECT_EQ(issuer.Verify("aAAAAAAAAAAAAAAAAAAAAAA", "acct-1", nullptr),
            TokenVerdict::kBadMac);
}

TEST_F(TokenTest, IdsThatCannotBeCarriedGetTheLegacyForm) {
  CallbackUrlIssuer issuer = Issuer({kNew});
  const std::string odd = Token(issuer.UrlForAccount("has space"));
  EXPECT_TRUE(absl::StartsWith(odd, "a")) << odd;
  EXPECT_EQ(issuer.Verify(odd, "has space", nullptr), TokenVerdict::kOk);
  const std::string long_id(kMaxTokenAccountIdLength + 1, 'x');
  EXPECT_TRUE(absl::StartsWith(Token(issuer.UrlForAccount(long_id)), "a"));
  const std::string max_id(kMaxTokenAccountIdLength, 'x');
  const std::string max_token = Token(issuer.UrlForAccount(max_id));
  EXPECT_TRUE(absl::StartsWith(max_token, "i"));
  EXPECT_EQ(max_token.size(), 128u);
  EXPECT_EQ(issuer.Verify(max_token, max_id, nullptr), TokenVerdict::kOk);
}

TEST_F(TokenTest, NonceTokenNeedsItsBinding) {
  CallbackUrlIssuer issuer = Issuer({kNew});
  auto issued = issuer.IssueForNewAccount();
  ASSERT_TRUE(issued.ok());
  EXPECT_LE(issued->url.size(), 255u);
  const std::string token = Token(issued->url);
  // The MAC is checked before the body; the binding after the parse.
  EXPECT_EQ(issuer.PreVerify(token), TokenVerdict::kOk);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(issuer.PreVerify(forged), TokenVerdict::kBadMac);
  EXPECT_EQ(issuer.Verify(token, "acct-1", nullptr), TokenVerdict::kUnbound);
  ASSERT_TRUE(
      issuer.Bind(issued->binding_handle, v1::REGION_EMEA_1, "acct-1").ok());
  // Idempotent for the same account, refused for another.
  EXPECT_TRUE(
      issuer.Bind(issued->binding_handle, v1::REGION_EMEA_1, "acct-1").ok());
  EXPECT_FALSE(
      issuer.Bind(issued->binding_handle, v1::REGION_EMEA_1, "acct-2").ok());
  v1::Region region = v1::REGION_UNSPECIFIED;
  EXPECT_EQ(issuer.Verify(token, "acct-1", &region), TokenVerdict::kOk);
  EXPECT_EQ(region, v1::REGION_EMEA_1);
  EXPECT_EQ(issuer.Verify(token, "acct-2", nullptr),
            TokenVerdict::kAccountMismatch);
  // Two issues never collide.
  EXPECT_NE(issuer.IssueForNewAccount()->url, issued->url);
}

TEST_F(TokenTest, RotationKeepsPreviousKeyValid) {
  CallbackUrlIssuer before = Issuer({kOld});
  const std::string old_token = Token(before.UrlForAccount("acct-1"));
  CallbackUrlIssuer after = Issuer({kNew, kOld});
  EXPECT_EQ(after.Verify(old_token, "acct-1", nullptr), TokenVerdict::kOk);
  EXPECT_NE(Token(after.UrlForAccount("acct-1")), old_token);
  CallbackUrlIssuer retired = Issuer({kNew});
  EXPECT_EQ(retired.Verify(old_token, "acct-1", nullptr),
            TokenVerdict::kBadMac);
  EXPECT_EQ(retired.PreVerify(old_token), TokenVerdict::kBadMac);
}

TEST(HmacKeyringTest, RejectsShortKeys) {
  EXPECT_FALSE(HmacKeyring::FromKeys({"short"}).ok());
  EXPECT_FALSE(HmacKeyring::FromKeys({}).ok());
  EXPECT_FALSE(HmacKeyring::FromFiles({"/nonexistent/key"}).ok());
}

}  // namespace
}  // namespace jumio_gateway::callbacks
