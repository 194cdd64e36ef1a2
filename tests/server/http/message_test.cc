#include "server/http/message.h"

#include <gtest/gtest.h>

namespace jumio_gateway::http {
namespace {

TEST(MessageTest, HeaderLookupIgnoresCase) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_TRUE(req.HasHeader("x-a"));
  EXPECT_FALSE(req.HasHeader("x-b"));
  EXPECT_EQ(req.Header("x-b"), "");
}

TEST(MessageTest, SetHeaderReplacesEveryCopy) {
  Response res;
  res.headers = {{"retry-after", "1"}, {"Retry-After", "2"}};
  res.SetHeader("Retry-After", "3");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.Header("retry-after"), "3");
}

TEST(MessageTest, ParseQueryDecodesFormEncoding) {
  auto params = ParseQuery("a=1&b=x+y%2Fz&&c&d=%zz&e=%4");
  EXPECT_EQ(QueryValue(params, "a"), "1");
  EXPECT_EQ(QueryValue(params, "b"), "x y/z");
  EXPECT_EQ(QueryValue(params, "c"), "");
  EXPECT_EQ(QueryValue(params, "d"), "%zz");
  EXPECT_EQ(QueryValue(params, "e"), "%4");
  EXPECT_EQ(params.size(), 5u);
}

}  // namespace
}  // namespace jumio_gateway::http
