#include "server/api/pagination.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace jumio_gateway::api {
namespace {

constexpr char kParent[] = "regions/amer-1/accounts/a";

TEST(PaginationTest, PagesThroughAListAndEndsWithAnEmptyToken) {
  auto first = ParsePage(2, "", kParent, 10, 100);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->offset, 0u);
  EXPECT_EQ(first->size, 2u);
  const std::string token = NextPageToken(*first, 5, kParent);
  ASSERT_FALSE(token.empty());
  auto second = ParsePage(2, token, kParent, 10, 100);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->offset, 2u);
  auto third =
      ParsePage(2, NextPageToken(*second, 5, kParent), kParent, 10, 100);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->offset, 4u);
  EXPECT_EQ(NextPageToken(*third, 5, kParent), "");
}

TEST(PaginationTest, SizesAreDefaultedCappedAndNeverNegative) {
  EXPECT_EQ(ParsePage(0, "", kParent, 10, 100)->size, 10u);
  EXPECT_EQ(ParsePage(1000, "", kParent, 10, 100)->size, 100u);
  EXPECT_EQ(ParsePage(-1, "", kParent, 10, 100).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PaginationTest, TokensOfAnotherParentOrTheOldFormatAreRefused) {
  const std::string token =
      NextPageToken(Page{0, 2}, 5, "regions/amer-1/accounts/other");
  EXPECT_EQ(ParsePage(2, token, kParent, 10, 100).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string old = absl::WebSafeBase64Escape("o:2:123");
  absl::Status status = ParsePage(2, old, kParent, 10, 100).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("earlier gateway version"),
            absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace jumio_gateway::api
