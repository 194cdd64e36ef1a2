#include "server/errors/grpc_status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/errors/errors.h"

namespace jumio_gateway::errors {
namespace {

namespace v1 = ::jumio::gateway::v1;

struct Details {
  std::vector<google::rpc::ErrorInfo> infos;
  std::vector<google::rpc::BadRequest> bad_requests;
  std::vector<google::rpc::RetryInfo> retries;
};

Details Unpack(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  EXPECT_TRUE(rpc_status.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc_status.code(), static_cast<int>(status.error_code()));
  Details details;
  for (const auto& any : rpc_status.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      any.UnpackTo(&details.infos.emplace_back());
    } else if (any.Is<google::rpc::BadRequest>()) {
      any.UnpackTo(&details.bad_requests.emplace_back());
    } else if (any.Is<google::rpc::RetryInfo>()) {
      any.UnpackTo(&details.retries.emplace_back());
    } else {
      ADD_FAILURE() << "unexpected detail " << any.type_url();
    }
  }
  return details;
}

TEST(ToGrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ToGrpcStatusTest, RateLimitCarriesOneErrorInfoAndRetryInfo) {
  absl::Status status =
      errors::Error(absl::StatusCode::kResourceExhausted,
                    v1::ERROR_REASON_UPSTREAM_RATE_LIMITED, "Jumio rate limit",
                    {{"httpStatus", "429"},
                     {"region", "emea-1"},
                     {"jumioEndpoint", "account_create"}});
  errors::SetRetryDelay(status, absl::Milliseconds(1500));

  grpc::Status result = ToGrpcStatus(status);
  EXPECT_EQ(result.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(result.error_message(), "Jumio rate limit");
  Details details = Unpack(result);
  ASSERT_EQ(details.infos.size(), 1u);
  EXPECT_EQ(details.infos[0].domain(), "jumio-gateway");
  EXPECT_EQ(details.infos[0].reason(), "UPSTREAM_RATE_LIMITED");
  EXPECT_EQ(details.infos[0].metadata().at("httpStatus"), "429");
  EXPECT_EQ(details.infos[0].metadata().at("region"), "emea-1");
  ASSERT_EQ(details.retries.size(), 1u);
  EXPECT_EQ(details.retries[0].retry_delay().seconds(), 1);
  EXPECT_EQ(details.retries[0].retry_delay().nanos(), 500000000);
  EXPECT_TRUE(details.bad_requests.empty());
}

TEST(ToGrpcStatusTest, InvalidFieldsListEveryViolationUnderOneErrorInfo) {
  absl::Status status =
      errors::InvalidField("user_reference", "must be at most 100 characters");
  errors::AddFieldViolation(status, "callback_url", "must use https");
  Details details = Unpack(ToGrpcStatus(status));
  ASSERT_EQ(details.infos.size(), 1u);
  EXPECT_EQ(details.infos[0].reason(), "INVALID_FIELD");
  ASSERT_EQ(details.bad_requests.size(), 1u);
  ASSERT_EQ(details.bad_requests[0].field_violations_size(), 2);
  EXPECT_EQ(details.bad_requests[0].field_violations(0).field(),
            "user_reference");
  EXPECT_EQ(details.bad_requests[0].field_violations(1).field(),
            "callback_url");
}

TEST(ToGrpcStatusTest, PlainErrorsGetAReasonFromTheirCode) {
  Details not_found = Unpack(ToGrpcStatus(absl::NotFoundError("gone")));
  ASSERT_EQ(not_found.infos.size(), 1u);
  EXPECT_EQ(not_found.infos[0].reason(), "NOT_FOUND");
  Details internal = Unpack(ToGrpcStatus(absl::UnknownError("?")));
  ASSERT_EQ(internal.infos.size(), 1u);
  EXPECT_EQ(internal.infos[0].reason(), "INTERNAL");
}

TEST(ToGrpcStatusTest, AddedMetadataKeepsTheReason) {
  absl::Status status = errors::Error(absl::StatusCode::kNotFound,
                                      v1::ERROR_REASON_NOT_FOUND, "no account");
  errors::AddMetadata(status, {{"region", "apac-1"}});
  Details details = Unpack(ToGrpcStatus(status));
  ASSERT_EQ(details.infos.size(), 1u);
  EXPECT_EQ(details.infos[0].reason(), "NOT_FOUND");
  EXPECT_EQ(details.infos[0].metadata().at("region"), "apac-1");
}

}  // namespace
}  // namespace jumio_gateway::errors
