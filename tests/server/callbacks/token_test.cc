#include "server/callbacks/token.h"

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

TEST_F(TokenTest, AccountTokenIsBoundToItsAccount) {
  CallbackUrlIssuer issuer = Issuer({kNew});
  const std::string token = Token(issuer.UrlForAccount("acct-1"));
  EXPECT_EQ(issuer.Verify(token, "acct-1", nullptr), TokenVerdict::kOk);
  EXPECT_EQ(issuer.Verify(token, "acct-2", nullptr), TokenVerdict::kBadMac);
  std::string forged = token;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(issuer.Verify(forged, "acct-1", nullptr), TokenVerdict::kBadMac);
  EXPECT_EQ(issuer.Verify("x", "acct-1", nullptr), TokenVerdict::kMalformed);
  EXPECT_EQ(issuer.Verify("", "acct-1", nullptr), TokenVerdict::kMalformed);
  EXPECT_LE(issuer.UrlForAccount("acct-1").size(), 255u);
}

TEST_F(TokenTest, NonceTokenNeedsItsBinding) {
  CallbackUrlIssuer issuer = Issuer({kNew});
  auto issued = issuer.IssueForNewAccount();
  ASSERT_TRUE(issued.ok());
  EXPECT_LE(issued->url.size(), 255u);
  const std::string token = Token(issued->url);
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
}

TEST(HmacKeyringTest, RejectsShortKeys) {
  EXPECT_FALSE(HmacKeyring::FromKeys({"short"}).ok());
  EXPECT_FALSE(HmacKeyring::FromKeys({}).ok());
  EXPECT_FALSE(HmacKeyring::FromFiles({"/nonexistent/key"}).ok());
}

}  // namespace
}  // namespace jumio_gateway::callbacks
