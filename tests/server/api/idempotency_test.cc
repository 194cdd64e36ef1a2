// RequestIds over one store shared by two "replicas": a retry on the other
// replica waits for the first one's outcome; the outcome rule; outcomes are
// sealed, and a storage key rotation keeps old outcomes readable.
#include "server/api/idempotency.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/callbacks/request_id_store.h"
#include "server/crypto/sealer.h"
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

std::shared_ptr<const crypto::Keyring> Ring(std::vector<char> fills) {
  std::vector<std::string> keys;
  for (char fill : fills) keys.emplace_back(crypto::kKeyBytes, fill);
  absl::StatusOr<crypto::Keyring> ring = crypto::Keyring::FromKeys(keys);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return std::make_shared<const crypto::Keyring>(*std::move(ring));
}

// Replicas sharing a store share its key files.
RequestIds::Options Replica(
    const std::string& name,
    std::shared_ptr<const crypto::Keyring> keyring = Ring({'s'})) {
  RequestIds::Options options;
  options.replica = name;
  options.poll_interval = absl::Milliseconds(10);
  options.keyring = std::move(keyring);
  return options;
}

class RequestIdsTest : public ::testing::Test {
 protected:
  // Begins and finishes `key` on `ids` with `response`; the call's answer.
  absl::StatusOr<std::string> Run(RequestIds& ids, const std::string& key,
                                  const std::string& response) {
    Result result;
    EXPECT_TRUE(
        ids.Begin(key, "body", deadline_, absl::Seconds(30), result.Answer())
            .run);
    ids.Finish(key, response);
    EXPECT_TRUE(result.Wait());
    return result.value;
  }
  // What a retry of `key` on `ids` is answered.
  absl::StatusOr<std::string> Retry(RequestIds& ids, const std::string& key) {
    Result result;
    EXPECT_FALSE(
        ids.Begin(key, "body", deadline_, absl::Seconds(30), result.Answer())
            .run);
    EXPECT_TRUE(result.Wait());
    return result.value;
  }

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

TEST_F(RequestIdsTest, TheStoreHoldsTheOutcomeOnlySealed) {
  const std::string response = "web-client-token-1234 sdk-token-5678";
  ASSERT_EQ(*Run(one_, "k", response), response);
  absl::StatusOr<absl::optional<callbacks::RequestIdRecord>> record =
      store_.Get("k");
  ASSERT_TRUE(record.ok() && record->has_value());
  const std::string& stored = (*record)->outcome;
  EXPECT_EQ(stored.find("web-client-token-1234"), std::string::npos);
  EXPECT_EQ(stored.find("sdk-token-5678"), std::string::npos);
  EXPECT_EQ(static_cast<uint8_t>(stored[0]), crypto::kVersion);
  EXPECT_EQ(*Retry(two_, "k"), response);
}

// DeleteAccount erases the kept answer (ForgetSubject): a retry is told
// NOT_FOUND, and nothing is sent again (the id stays taken).
TEST_F(RequestIdsTest, AnAnswerErasedWithItsAccountIsNotFoundAndNotSentAgain) {
  Result first;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  one_.Finish("k", std::string("response"), "account-a");
  ASSERT_TRUE(first.Wait());
  auto record = store_.Get("k");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->subject, "account-a");
  ASSERT_TRUE(store_.ForgetSubject("account-a").ok());

  absl::StatusOr<std::string> retry = Retry(two_, "k");
  EXPECT_EQ(retry.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(retry.status()), "NOT_FOUND");
}

// Only answers carry a subject: a kept error is about no account.
TEST_F(RequestIdsTest, AKeptErrorHasNoSubject) {
  Result first;
  ASSERT_TRUE(
      one_.Begin("k", "body", deadline_, absl::Seconds(30), first.Answer())
          .run);
  one_.Finish("k",
              errors::Error(absl::StatusCode::kInvalidArgument,
                            v1::ERROR_REASON_UPSTREAM_REJECTED, "no"),
              "account-a");
  ASSERT_TRUE(first.Wait());
  auto record = store_.Get("k");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->subject, "");
}

TEST_F(RequestIdsTest, AnOutcomeSealedUnderAnotherKeyIsUnknownNeverGarbage) {
  ASSERT_EQ(*Run(one_, "k", "response"), "response");
  RequestIds stranger(&store_, core::SystemClock(),
                      Replica("stranger", Ring({'x'})));
  absl::StatusOr<std::string> answer = Retry(stranger, "k");
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(answer.status()), "REQUEST_OUTCOME_UNKNOWN");
  EXPECT_NE(answer.status().message().find("storage_key_files"),
            std::string::npos)
      << answer.status();
  // Without key files each process has its own random key.
  RequestIds keyless(&store_, core::SystemClock(), RequestIds::Options{});
  EXPECT_EQ(ReasonOf(Retry(keyless, "k").status()), "REQUEST_OUTCOME_UNKNOWN");
}

TEST_F(RequestIdsTest, ATamperedMovedOrUnsealedOutcomeIsUnknown) {
  ASSERT_EQ(*Run(one_, "a", "response-a"), "response-a");
  ASSERT_EQ(*Run(one_, "b", "response-b"), "response-b");
  callbacks::RequestIdRecord a = **store_.Get("a");
  callbacks::RequestIdRecord b = **store_.Get("b");
  // b's sealed outcome moved to a: bound to b, it does not open as a's.
  callbacks::RequestIdRecord moved = a;
  moved.outcome = b.outcome;
  ASSERT_TRUE(store_.Finish("a", moved).ok());
  absl::StatusOr<std::string> answer = Retry(two_, "a");
  EXPECT_EQ(ReasonOf(answer.status()), "REQUEST_OUTCOME_UNKNOWN");
  EXPECT_EQ(answer.status().message().find("response-b"), std::string::npos);
  // One bit of the ciphertext flipped.
  callbacks::RequestIdRecord flipped = b;
  flipped.outcome[crypto::kOverheadBytes - crypto::kTagBytes] ^= 1;
  ASSERT_TRUE(store_.Finish("b", flipped).ok());
  EXPECT_EQ(ReasonOf(Retry(two_, "b").status()), "REQUEST_OUTCOME_UNKNOWN");
  // An outcome an older gateway stored in the clear (a google.rpc.Status).
  callbacks::RequestIdRecord clear = b;
  clear.outcome = absl::StrCat("\x1a\x0c\x0a\x04", "type", "\x12\x04", "data");
  ASSERT_TRUE(store_.Finish("b", clear).ok());
  EXPECT_EQ(ReasonOf(Retry(two_, "b").status()), "REQUEST_OUTCOME_UNKNOWN");
}

// Issue 17, "Done when": data written under the old key is still readable
// after a new key is added first.
TEST_F(RequestIdsTest, KeyRotationKeepsOldOutcomesReadable) {
  RequestIds before(&store_, core::SystemClock(),
                    Replica("before", Ring({'o'})));
  ASSERT_EQ(*Run(before, "old", "old-response"), "old-response");

  // Restarted with the new key first and the old one still listed.
  RequestIds rotated(&store_, core::SystemClock(),
                     Replica("rotated", Ring({'n', 'o'})));
  EXPECT_EQ(*Retry(rotated, "old"), "old-response");
  ASSERT_EQ(*Run(rotated, "new", "new-response"), "new-response");

  // New writes are sealed under the new key: the new key alone opens them,
  // the old key alone does not.
  RequestIds new_only(&store_, core::SystemClock(),
                      Replica("new-only", Ring({'n'})));
  EXPECT_EQ(*Retry(new_only, "new"), "new-response");
  RequestIds old_only(&store_, core::SystemClock(),
                      Replica("old-only", Ring({'o'})));
  EXPECT_EQ(ReasonOf(Retry(old_only, "new").status()),
            "REQUEST_OUTCOME_UNKNOWN");

  // Once the old key is dropped, its outcomes are the unknown-outcome answer.
  absl::StatusOr<std::string> dropped = Retry(new_only, "old");
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(dropped.status()), "REQUEST_OUTCOME_UNKNOWN");
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
