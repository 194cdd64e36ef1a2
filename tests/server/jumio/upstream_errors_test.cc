#include "server/jumio/upstream_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "server/errors/errors.h"
#include "tests/testing/small_stack.h"

namespace jumio_gateway::jumio {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

HttpResponse Response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(StatusFromHttpTest, NamesTheRejectedFieldFromTheBody) {
  const absl::Status status = StatusFromHttp(
      Response(400, R"({"field":"userReference","message":"bad"})"), "amer-1",
      "account_create");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("field userReference"));
}

// Jumio's bodies name the field in several shapes; the one error codec reads
// them all, and never the rejected value.
TEST(StatusFromHttpTest, NamesTheFieldOfAnErrorsArrayButNotItsValue) {
  const absl::Status status = StatusFromHttp(
      Response(422, R"({"errors":[{"path":"workflowDefinition.key",)"
                    R"("message":"'x@example.com' is invalid"}]})"),
      "amer-1", "account_create");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("field workflowDefinition.key"));
  EXPECT_THAT(status.message(), Not(HasSubstr("example.com")));
}

TEST(StatusFromHttpTest, AFieldValueThatIsNoNameIsNotEchoed) {
  const absl::Status status =
      StatusFromHttp(Response(400, R"({"field":"John Doe <x@example.com>"})"),
                     "amer-1", "account_create");
  EXPECT_EQ(status.message(), "Jumio rejected the request");
}

TEST(StatusFromHttpTest, DeeplyNestedErrorBodyIsMappedNotACrash) {
  absl::Status status;
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    status =
        StatusFromHttp(Response(400, R"({"field":)" + std::string(100000, '[')),
                       "amer-1", "account_create");
  }));
  // Still Jumio's 400, just without a field name to report.
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "Jumio rejected the request");
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack([&] {
    status = StatusFromHttp(Response(503, std::string(100000, '{')), "amer-1",
                            "account_create");
  }));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), Not(HasSubstr("{{")));
}

}  // namespace
}  // namespace jumio_gateway::jumio
