// RequestIds over one store shared by two "replicas": a retry on the other
// replica waits for the first one's outcome; the outcome rule.
#include "server/api/idempotency.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/synchronization/notification.h"
#include "server/callbacks/request_id_store.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

// An answer a test can wait for.
struct Result {
  absl::Notification done;
  absl::StatusOr<std::string> value = absl::UnknownError("not answered");
  RequestIds::Answer Answer() {
    return [this](absl::StatusOr<std::string> v) {
      value = std::move(v);
      done.Notify();
    };
  }
  bool Wait() { return done.WaitForNotificationWithTimeout(absl::Seconds(10)); }
};

std::string ReasonOf(const absl::Status& status) {
  absl::optional<google::rpc::ErrorInfo> info = errors::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

RequestIds::Options Replica(const std::string& name) {
  RequestIds::Options options;
  options.replica = name;
  options.poll_interval = absl::Milliseconds(10);
  return options;
}

class RequestIdsTest : public ::testing::Test {
 protected:
  callbacks::InMemoryRequestIdStore store_{core::SystemClock(), absl::Hours(1)};
  RequestIds one_{&store_, core::SystemClock(), Replica("one")};
  RequestIds two_{&store_, core::SystemClock(), Replica("two")};
  const absl::Time deadline_ = absl::Now() + absl::Seconds(20);
};

TEST_F(RequestIdsTest, ARetryOnAnotherReplicaWaitsForTheOutcome) {
  Result first;
  Result retry;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  EXPECT_FALSE(
      two_.Begin("k", "body", deadline_, absl::Seconds(30), retry.Answer())
          .run);
  EXPECT_FALSE(retry.done.HasBeenNotified());
  one_.Finish("k", std::string("response"));
  ASSERT_TRUE(first.Wait());
  ASSERT_TRUE(retry.Wait());
  EXPECT_EQ(*first.value, "response");
  EXPECT_EQ(*retry.value, "response");
}

TEST_F(RequestIdsTest, AnotherBodyUnderTheIdIsAConflictOnEitherReplica) {
  Result first;
  Result local;
  Result remote;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  EXPECT_FALSE(
      one_.Begin("k", "other", deadline_, absl::Seconds(30), local.Answer())
          .run);
  EXPECT_FALSE(
      two_.Begin("k", "other", deadline_, absl::Seconds(30), remote.Answer())
          .run);
  ASSERT_TRUE(local.Wait());
  ASSERT_TRUE(remote.Wait());
  EXPECT_EQ(ReasonOf(local.value.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(ReasonOf(remote.value.status()), "REQUEST_ID_REUSED");
  one_.Finish("k", std::string("response"));
}

TEST_F(RequestIdsTest, AWaiterIsAnsweredInProgressBeforeItsDeadline) {
  Result first;
  Result retry;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  two_.Begin("k", "body", absl::Now() + absl::Milliseconds(300),
             absl::Seconds(30), retry.Answer());
  ASSERT_TRUE(retry.Wait());
  EXPECT_EQ(retry.value.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(retry.value.status()), "REQUEST_IN_PROGRESS");
  EXPECT_TRUE(errors::GetRetryInfo(retry.value.status()).has_value());
  one_.Finish("k", std::string("response"));
}

TEST_F(RequestIdsTest, APendingRecordPastItsLeaseHasAnUnknownOutcome) {
  // The owner died: its record stays pending past the call's bound.
  RequestIds::Options dead = Replica("dead");
  dead.lease_margin = absl::Seconds(-1);
  RequestIds owner(&store_, core::SystemClock(), dead);
  Result first;
  Result retry;
  ASSERT_TRUE(
      owner.Begin("k", "body", deadline_, absl::ZeroDuration(), first.Answer())
          .run);
  EXPECT_FALSE(
      two_.Begin("k", "body", deadline_, absl::Seconds(30), retry.Answer())
          .run);
  ASSERT_TRUE(retry.Wait());
  EXPECT_EQ(ReasonOf(retry.value.status()), "REQUEST_OUTCOME_UNKNOWN");
  EXPECT_FALSE(errors::GetRetryInfo(retry.value.status()).has_value());
}

TEST_F(RequestIdsTest, NotSentReleasesTheIdAndDefinitiveErrorsAreReplayed) {
  Result first;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  absl::Status refused = absl::UnavailableError("connection refused");
  jumio::MarkRequestNotSent(refused);
  one_.Finish("k", refused);
  ASSERT_TRUE(first.Wait());
  EXPECT_EQ(first.value.status().code(), absl::StatusCode::kUnavailable);

  // Released: the next call sends; Jumio's 404 is kept for every retry.
  Result second;
  ASSERT_TRUE(
      two_.Begin("k", "body", deadline_, absl::Seconds(30), second.Answer())
          .run);
  two_.Finish("k", errors::Error(absl::StatusCode::kNotFound,
                                 v1::ERROR_REASON_NOT_FOUND, "no such account",
                                 {{"httpStatus", "404"}}));
  Result replay;
  EXPECT_FALSE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), replay.Answer())
          .run);
  ASSERT_TRUE(replay.Wait());
  EXPECT_EQ(replay.value.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(replay.value.status()), "NOT_FOUND");
}

TEST(RequestIdsClassifyTest, OnlyWhatCannotHaveCreatedIsNotSent) {
  using F = RequestIds::Failure;
  auto http = [](int status) {
    return errors::Error(absl::StatusCode::kUnavailable,
                         v1::ERROR_REASON_UPSTREAM_UNAVAILABLE, "x",
                         {{"httpStatus", absl::StrCat(status)}});
  };
  EXPECT_EQ(RequestIds::Classify(http(503)), F::kNotSent);
  EXPECT_EQ(RequestIds::Classify(http(429)), F::kNotSent);
  EXPECT_EQ(RequestIds::Classify(http(401)), F::kNotSent);
  EXPECT_EQ(RequestIds::Classify(http(400)), F::kDefinitive);
  EXPECT_EQ(RequestIds::Classify(http(409)), F::kDefinitive);
  EXPECT_EQ(RequestIds::Classify(http(500)), F::kUnknown);
  EXPECT_EQ(RequestIds::Classify(http(502)), F::kUnknown);
  EXPECT_EQ(RequestIds::Classify(http(504)), F::kUnknown);
  EXPECT_EQ(RequestIds::Classify(
                errors::Error(absl::StatusCode::kUnavailable,
                              v1::ERROR_REASON_UPSTREAM_TIMEOUT, "timeout")),
            F::kUnknown);
  EXPECT_EQ(RequestIds::Classify(errors::Error(absl::StatusCode::kUnavailable,
                                               v1::ERROR_REASON_CIRCUIT_OPEN,
                                               "open")),
            F::kNotSent);
  EXPECT_EQ(RequestIds::Classify(errors::Error(
                absl::StatusCode::kResourceExhausted,
                v1::ERROR_REASON_UPSTREAM_RATE_LIMITED, "client-side limit")),
            F::kNotSent);
  absl::Status paced = errors::Error(absl::StatusCode::kResourceExhausted,
                                     v1::ERROR_REASON_UPSTREAM_QUOTA_EXHAUSTED,
                                     "client-side rate limit");
  EXPECT_EQ(RequestIds::Classify(paced), F::kUnknown);  // as any other error
  jumio::MarkRequestNotSent(paced);  // as RateLimitedJumioApi marks it
  EXPECT_EQ(RequestIds::Classify(paced), F::kNotSent);
  EXPECT_EQ(RequestIds::Classify(absl::CancelledError("shutdown")),
            F::kUnknown);
}

}  // namespace
}  // namespace jumio_gateway::api
