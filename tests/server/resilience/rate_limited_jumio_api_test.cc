// RateLimitedJumioApi and GcraRateLimiter on a FakeClock, over FakeJumioApi:
// bursts, FIFO turns on the timer, refusals at the deadline and at the queue
// bound, cancellation of a waiting call, metrics, and a retry of
// ResilientJumioApi taking a turn of its own.
#include "server/resilience/rate_limited_jumio_api.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gtest/gtest.h"
#include "server/core/timer.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/upstream_errors.h"
#include "server/observability/gateway_metrics.h"
#include "server/observability/metrics.h"
#include "server/resilience/rate_limiter.h"
#include "server/resilience/resilient_jumio_api.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_jumio_api.h"
#include "tests/testing/jumio_answer.h"

namespace jumio_gateway::resilience {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::FakeClock;
using testing::FakeJumioApi;
using testing::JumioAnswer;

constexpr absl::Duration kFar = absl::Hours(1);

std::string Reason(const absl::Status& status) {
  auto info = errors::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

absl::optional<absl::Duration> RetryDelay(const absl::Status& status) {
  auto info = errors::GetRetryInfo(status);
  if (!info.has_value()) return absl::nullopt;
  return absl::Seconds(info->retry_delay().seconds()) +
         absl::Nanoseconds(info->retry_delay().nanos());
}

TEST(GcraRateLimiterTest, BurstThenOneTurnPerInterval) {
  FakeClock clock;
  const absl::Time t0 = clock.Now();
  GcraRateLimiter limiter(clock);
  const RateLimit limit{2, 3};  // 2/s, 3 at once
  for (int i = 0; i < 3; ++i) {
    const Permit p = limiter.Reserve("k", limit, absl::InfiniteFuture());
    EXPECT_TRUE(p.granted);
    EXPECT_EQ(p.at, t0);
  }
  EXPECT_EQ(limiter.Reserve("k", limit, absl::InfiniteFuture()).at,
            t0 + absl::Milliseconds(500));
  EXPECT_EQ(limiter.Reserve("k", limit, absl::InfiniteFuture()).at,
            t0 + absl::Milliseconds(1000));
  // Another key has its own turns.
  EXPECT_EQ(limiter.Reserve("other", limit, absl::InfiniteFuture()).at, t0);
  // After a quiet period the burst is back, not more.
  clock.Advance(absl::Seconds(10));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.Reserve("k", limit, absl::InfiniteFuture()).at,
              clock.Now());
  }
  EXPECT_GT(limiter.Reserve("k", limit, absl::InfiniteFuture()).at,
            clock.Now());
}

TEST(GcraRateLimiterTest, RefusalReservesNothing) {
  FakeClock clock;
  const absl::Time t0 = clock.Now();
  GcraRateLimiter limiter(clock);
  const RateLimit limit{1, 1};
  EXPECT_TRUE(limiter.Reserve("k", limit, t0).granted);
  const Permit refused = limiter.Reserve("k", limit, t0 + absl::Seconds(0.5));
  EXPECT_FALSE(refused.granted);
  EXPECT_EQ(refused.at, t0 + absl::Seconds(1));  // when it would have come
  const Permit next = limiter.Reserve("k", limit, absl::InfiniteFuture());
  EXPECT_TRUE(next.granted);
  EXPECT_EQ(next.at, t0 + absl::Seconds(1));  // the refused turn is free
}

TEST(GcraRateLimiterTest, ShareOfAReplica) {
  const RateLimit share = ShareOf({15, 15}, 4);
  EXPECT_DOUBLE_EQ(share.per_second, 3.75);
  EXPECT_EQ(share.burst, 3);
  EXPECT_EQ(ShareOf({1, 2}, 3).burst, 1);  // at least one
  EXPECT_DOUBLE_EQ(ShareOf({1, 2}, 0).per_second, 1);
}

TEST(GcraRateLimiterTest, NoLimitIsAlwaysNow) {
  FakeClock clock;
  GcraRateLimiter limiter(clock);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.Reserve("k", {0, 1}, clock.Now()).at, clock.Now());
  }
}

class RateLimitedJumioApiTest : public ::testing::Test {
 protected:
  RateLimitedJumioApiTest() : start_(clock_.Now()) {
    options_.account_write = {1, 2};
    options_.retrieval = {10, 1};
    options_.max_queue = 100;
  }

  RateLimitedJumioApi& Api() {
    if (api_ == nullptr) {
      api_ = std::make_unique<RateLimitedJumioApi>(
          &fake_, clock_, &timer_, &limiter_, options_, &metrics_);
    }
    return *api_;
  }

  jumio::CallOptions Options(absl::Duration deadline = absl::Seconds(120),
                             const std::string& request_id = "") {
    jumio::CallOptions options;
    options.deadline = clock_.Now() + deadline;
    options.request_id = request_id;
    return options;
  }

  jumio::JumioApi::Handle Create(JumioAnswer<v1::CreateAccountResponse>& answer,
                                 absl::Duration deadline = absl::Seconds(120),
                                 const std::string& request_id = "") {
    fake_.Script<v1::CreateAccountResponse>("CreateAccount",
                                            v1::CreateAccountResponse());
    jumio::AccountWrite write;
    write.account.region = "amer-1";
    write.json_body = "{}";
    return Api().CreateAccount(std::move(write), Options(deadline, request_id),
                               answer.Done());
  }

  // The time the timer next wakes for (a waiting call's turn).
  absl::Time NextTurn() { return clock_.AwaitWaiterUntil(start_ + kFar); }

  double Counter(observability::Family<observability::Counter>& family,
                 const std::vector<std::string>& labels) {
    return family.WithLabelValues(labels).Value();
  }

  FakeClock clock_;
  const absl::Time start_;
  FakeJumioApi fake_;
  GcraRateLimiter limiter_{clock_};
  RateLimitOptions options_;
  observability::Registry registry_;
  observability::GatewayMetrics metrics_{registry_, {"v", "r"}, {"amer-1"}};
  // Destroyed before the api and the fake: no task runs on them afterwards.
  core::TimerThread timer_{clock_};
  std::unique_ptr<RateLimitedJumioApi> api_;
};

TEST_F(RateLimitedJumioApiTest, BurstGoesAtOnceTheNextWaitsForItsTurn) {
  JumioAnswer<v1::CreateAccountResponse> a, b, c;
  Create(a);
  Create(b);
  EXPECT_TRUE(a.Get().ok());
  EXPECT_TRUE(b.Get().ok());
  EXPECT_EQ(fake_.CallCount(), 2u);
  Create(c);
  EXPECT_FALSE(c.Answered());
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 1);
  EXPECT_EQ(NextTurn(), start_ + absl::Seconds(1));
  EXPECT_EQ(fake_.CallCount(), 2u);
  clock_.SetTime(start_ + absl::Seconds(1));
  EXPECT_TRUE(c.Get().ok()) << c.Get().status();
  EXPECT_EQ(fake_.CallCount(), 3u);
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 0);
  EXPECT_EQ(Counter(metrics_.ratelimit_waits, {"amer-1", "account_write"}), 1);
  observability::SampleSnapshot waits;
  metrics_.ratelimit_wait_seconds.WithLabelValues({"amer-1", "account_write"})
      .Snapshot(waits);
  EXPECT_EQ(waits.sample_count, 3u);  // every call let through, 0 s included
  EXPECT_DOUBLE_EQ(waits.sample_sum, 1.0);
}

TEST_F(RateLimitedJumioApiTest, WaitingCallsAreSentInArrivalOrder) {
  options_.account_write = {1, 1};
  constexpr int kCalls = 6;
  std::vector<std::unique_ptr<JumioAnswer<v1::CreateAccountResponse>>> answers;
  for (int i = 0; i < kCalls; ++i) {
    answers.push_back(
        std::make_unique<JumioAnswer<v1::CreateAccountResponse>>());
    Create(*answers.back(), absl::Seconds(120), absl::StrCat("req-", i));
  }
  ASSERT_TRUE(fake_.WaitForCalls(1));
  for (int i = 1; i < kCalls; ++i) {
    const absl::Time turn = NextTurn();
    EXPECT_EQ(turn, start_ + absl::Seconds(i));
    clock_.SetTime(turn);
    ASSERT_TRUE(fake_.WaitForCalls(i + 1));
  }
  const std::vector<FakeJumioApi::Call> calls = fake_.Calls();
  ASSERT_EQ(calls.size(), static_cast<size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(calls[i].options.request_id, absl::StrCat("req-", i));
    EXPECT_TRUE(answers[i]->Get().ok());
  }
}

TEST_F(RateLimitedJumioApiTest, RefusedWhenTheTurnComesAfterTheDeadline) {
  options_.account_write = {1, 1};
  JumioAnswer<v1::CreateAccountResponse> first, late, patient;
  Create(first);
  // The next turn is 1 s away; this caller has 0.5 s.
  Create(late, absl::Milliseconds(500));
  absl::StatusOr<v1::CreateAccountResponse> refused = late.Get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Reason(refused.status()), "UPSTREAM_QUOTA_EXHAUSTED");
  EXPECT_EQ(RetryDelay(refused.status()), absl::Seconds(1));
  // Marked as never sent, so that its request id is freed for a retry.
  EXPECT_TRUE(jumio::RequestNotSent(refused.status()));
  EXPECT_EQ(Counter(metrics_.ratelimit_refused,
                    {"amer-1", "account_write", "deadline"}),
            1);
  // Nothing was sent for it, and its turn went to the next caller.
  Create(patient);
  EXPECT_EQ(NextTurn(), start_ + absl::Seconds(1));
  clock_.SetTime(start_ + absl::Seconds(1));
  EXPECT_TRUE(patient.Get().ok());
  EXPECT_EQ(fake_.CallCount(), 2u);
}

TEST_F(RateLimitedJumioApiTest, RefusedWhenTheQueueIsFull) {
  options_.account_write = {1, 1};
  options_.max_queue = 2;
  JumioAnswer<v1::CreateAccountResponse> sent, w1, w2, full;
  Create(sent);
  Create(w1);
  Create(w2);
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 2);
  Create(full);
  absl::StatusOr<v1::CreateAccountResponse> refused = full.Get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Reason(refused.status()), "UPSTREAM_QUOTA_EXHAUSTED");
  EXPECT_EQ(RetryDelay(refused.status()), absl::Seconds(2));  // queue drains
  EXPECT_EQ(Counter(metrics_.ratelimit_refused,
                    {"amer-1", "account_write", "queue_full"}),
            1);
  EXPECT_EQ(fake_.CallCount(), 1u);
  // The queue takes calls again once one was sent.
  clock_.SetTime(NextTurn());
  ASSERT_TRUE(w1.Get().ok());
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 1);
}

TEST_F(RateLimitedJumioApiTest, CancelledWhileWaitingAnswersAtOnce) {
  options_.account_write = {1, 1};
  JumioAnswer<v1::CreateAccountResponse> sent, waiting;
  Create(sent);
  jumio::JumioApi::Handle handle = Create(waiting);
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 1);
  handle->Cancel();
  absl::StatusOr<v1::CreateAccountResponse> cancelled = waiting.Get();
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Api().Waiting("amer-1", OperationClass::kAccountWrite), 0);
  EXPECT_EQ(fake_.CallCount(), 1u);
  handle->Cancel();  // twice is harmless
}

TEST_F(RateLimitedJumioApiTest, CancelAfterTheTurnCancelsTheSentCall) {
  options_.account_write = {1, 1};
  JumioAnswer<v1::CreateAccountResponse> sent, waiting;
  Create(sent);
  fake_.Hold("CreateAccount");
  jumio::JumioApi::Handle handle = Create(waiting);
  clock_.SetTime(NextTurn());
  ASSERT_TRUE(fake_.WaitForCalls(2));
  handle->Cancel();
  EXPECT_TRUE(fake_.WaitForCancel(1));
  EXPECT_EQ(waiting.Get().status().code(), absl::StatusCode::kCancelled);
}

TEST_F(RateLimitedJumioApiTest, ClassesAndRegionsHaveTheirOwnTurns) {
  options_.account_write = {1, 1};
  JumioAnswer<v1::CreateAccountResponse> a1, a2;
  Create(a1);
  Create(a2);  // waits
  // Retrieval (10/s, burst 1) and another region are not held back.
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> read;
  Api().GetAccount({"amer-1", "acct"}, Options(), read.Done());
  EXPECT_TRUE(read.Get().ok());
  fake_.Script<v1::CreateAccountResponse>("CreateAccount",
                                          v1::CreateAccountResponse());
  jumio::AccountWrite write;
  write.account.region = "emea-1";
  JumioAnswer<v1::CreateAccountResponse> other_region;
  Api().CreateAccount(write, Options(), other_region.Done());
  EXPECT_TRUE(other_region.Get().ok());
  EXPECT_FALSE(a2.Answered());
  // Uploads and finalize are unlimited by default; the status host always.
  for (int i = 0; i < 20; ++i) {
    fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
        "FinalizeWorkflowExecution", v1::FinalizeWorkflowExecutionResponse());
    JumioAnswer<v1::FinalizeWorkflowExecutionResponse> finalized;
    Api().FinalizeWorkflowExecution({"amer-1", "a", "w"}, Options(),
                                    finalized.Done());
    EXPECT_TRUE(finalized.Get().ok());
    fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                           v1::RegionPlatformStatus());
    JumioAnswer<v1::RegionPlatformStatus> status;
    Api().GetPlatformStatus("amer-1", Options(), status.Done());
    EXPECT_TRUE(status.Get().ok());
  }
}

TEST_F(RateLimitedJumioApiTest, DeletesShareTheRetrievalHostsTurns) {
  options_.retrieval = {1, 1};
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> read;
  Api().GetAccount({"amer-1", "acct"}, Options(), read.Done());
  EXPECT_TRUE(read.Get().ok());
  fake_.ScriptStatus("DeleteAccount", absl::OkStatus());
  absl::Mutex mu;
  absl::optional<absl::Status> deleted;
  Api().DeleteAccount({"amer-1", "acct"}, Options(), [&](absl::Status s) {
    absl::MutexLock lock(&mu);
    deleted = s;
  });
  EXPECT_EQ(NextTurn(), start_ + absl::Seconds(1));
  clock_.SetTime(start_ + absl::Seconds(1));
  absl::MutexLock lock(&mu);
  auto done = [&] { return deleted.has_value(); };
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10)));
  EXPECT_TRUE(deleted->ok());
}

// Resilient -> RateLimited -> Jumio: the retry after a 503 takes a turn of
// its own, so it goes no earlier than the limit allows.
TEST_F(RateLimitedJumioApiTest, EveryRetryOfTheResilientLayerTakesATurn) {
  options_.retrieval = {1, 1};
  ResilienceOptions resilience;
  resilience.initial_backoff = absl::Milliseconds(100);
  ResilientJumioApi resilient(
      &Api(), clock_, &timer_, resilience, [] { return 0.0; }, &metrics_);
  jumio::HttpResponse unavailable;
  unavailable.status = 503;
  fake_.Script<v1::Account>(
      "GetAccount",
      jumio::StatusFromHttp(unavailable, "amer-1", "retrieval_account"));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> read;
  resilient.GetAccount({"amer-1", "acct"}, Options(), read.Done());
  ASSERT_TRUE(fake_.WaitForCalls(1));
  // Backoff 0 (the random source) is due at once; the timer then waits for
  // the retry's turn, 1 s after the first attempt's.
  const absl::Time due = NextTurn();
  EXPECT_EQ(due, start_ + absl::Seconds(1));
  EXPECT_EQ(fake_.CallCount(), 1u);
  clock_.SetTime(due);
  EXPECT_TRUE(read.Get().ok()) << read.Get().status();
  EXPECT_EQ(fake_.CallCount(), 2u);
}

// A call the limiter refused never reached the host: the breaker above
// learns nothing from it (neither a failure nor a success that would reset
// the failures in a row or close a half-open breaker).
TEST_F(RateLimitedJumioApiTest, RefusalsDoNotTeachTheBreaker) {
  options_.retrieval = {1, 1};
  ResilienceOptions resilience;
  resilience.max_attempts = 1;
  resilience.breaker.consecutive_failures = 2;
  ResilientJumioApi resilient(
      &Api(), clock_, &timer_, resilience, [] { return 0.0; }, &metrics_);
  jumio::HttpResponse unavailable;
  unavailable.status = 503;
  const absl::Status failure =
      jumio::StatusFromHttp(unavailable, "amer-1", "retrieval_account");
  fake_.Script<v1::Account>("GetAccount", failure);
  JumioAnswer<v1::Account> first;
  resilient.GetAccount({"amer-1", "acct"}, Options(), first.Done());
  EXPECT_EQ(first.Get().status().code(), absl::StatusCode::kUnavailable);
  // The next turn is 1 s away; this caller has 0.1 s: refused.
  JumioAnswer<v1::Account> refused;
  resilient.GetAccount({"amer-1", "acct"}, Options(absl::Milliseconds(100)),
                       refused.Done());
  EXPECT_EQ(Reason(refused.Get().status()), "UPSTREAM_QUOTA_EXHAUSTED");
  EXPECT_EQ(resilient.CircuitState("amer-1", jumio::HostKind::kRetrieval),
            CircuitBreaker::State::kClosed);
  // The second failure in a row (the refusal did not count) opens it.
  fake_.Script<v1::Account>("GetAccount", failure);
  JumioAnswer<v1::Account> second;
  resilient.GetAccount({"amer-1", "acct"}, Options(), second.Done());
  clock_.SetTime(NextTurn());
  EXPECT_EQ(second.Get().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(resilient.CircuitState("amer-1", jumio::HostKind::kRetrieval),
            CircuitBreaker::State::kOpen);
}

}  // namespace
}  // namespace jumio_gateway::resilience
