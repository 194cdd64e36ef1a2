#include "server/api/header_values.h"

#include <gtest/gtest.h>

#include <string>

#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

TEST(HeaderValuesTest, TokensAreVisibleAsciiOfBoundedLength) {
  EXPECT_TRUE(CheckTokenValue("eyJhbGciOi.J9-_~+/=", "t").ok());
  EXPECT_TRUE(CheckTokenValue(std::string(kMaxTokenBytes, 'a'), "t").ok());
  for (const std::string& bad :
       {std::string(""), std::string(kMaxTokenBytes + 1, 'a'),
        std::string("a\r\nb"), std::string("a\nb"), std::string("a\0b", 3),
        std::string("a b"), std::string("a\tb"), std::string("a\x7f"),
        std::string("caf\xC3\xA9")}) {
    absl::Status status = CheckTokenValue(bad, "metadata.credential_token");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    auto violations = errors::GetBadRequest(status);
    ASSERT_TRUE(violations.has_value());
    ASSERT_EQ(violations->field_violations_size(), 1);
    EXPECT_EQ(violations->field_violations(0).field(),
              "metadata.credential_token");
    // Never echoes the value.
    if (bad.size() > 2) {
      EXPECT_EQ(status.message().find(bad), absl::string_view::npos);
    }
  }
}

}  // namespace
}  // namespace jumio_gateway::api
