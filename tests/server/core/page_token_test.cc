#include "server/core/page_token.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "server/errors/errors.h"

namespace jumio_gateway::core {
namespace {

std::string Description(const absl::Status& status) {
  auto bad_request = errors::GetBadRequest(status);
  if (!bad_request || bad_request->field_violations_size() != 1 ||
      bad_request->field_violations(0).field() != "page_token") {
    return "";
  }
  return bad_request->field_violations(0).description();
}

TEST(PageTokenTest, RoundTripsThePositionWithinItsScope) {
  const std::string token =
      EncodePageToken("1234", "regions/amer-1/accounts/a");
  auto position = DecodePageToken(token, "regions/amer-1/accounts/a", "other");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, "1234");
  // Opaque and URL-safe: callers pass it back in query strings too.
  EXPECT_EQ(token.find_first_of("+/=\n"), std::string::npos) << token;
}

TEST(PageTokenTest, ATokenOfAnotherScopeIsRefusedWithTheCallersWords) {
  const std::string token = EncodePageToken("5", "regions/amer-1/accounts/a");
  absl::Status status =
      DecodePageToken(token, "regions/amer-1/accounts/b", "parent changed")
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Description(status), "parent changed");
}

TEST(PageTokenTest, GarbageIsNotAPageToken) {
  for (const char* bad : {"!!!", "djE", "eA", ""}) {
    absl::Status status = DecodePageToken(bad, "s", "other").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(Description(status), "not a page token") << bad;
  }
}

// The listings of workflow executions and steps used "o:<offset>:<check>"
// before the formats were merged: such a token is refused, saying why.
TEST(PageTokenTest, ATokenOfTheEarlierOffsetFormatIsRefusedClearly) {
  const std::string old = absl::WebSafeBase64Escape("o:100:123456789");
  absl::Status status = DecodePageToken(old, "s", "other").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Description(status).find("earlier gateway version"),
            std::string::npos)
      << status;
}

}  // namespace
}  // namespace jumio_gateway::core
