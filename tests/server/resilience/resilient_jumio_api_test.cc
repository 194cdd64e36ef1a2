#include "server/resilience/resilient_jumio_api.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/timer.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/upstream_errors.h"
#include "server/observability/gateway_metrics.h"
#include "server/observability/metrics.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_jumio_api.h"
#include "tests/testing/jumio_answer.h"

namespace jumio_gateway::resilience {
namespace {

namespace v1 = ::jumio::gateway::v1;
using jumio::HostKind;
using testing::FakeClock;
using testing::FakeJumioApi;
using testing::JumioAnswer;

// Far beyond every backoff of these tests: AwaitWaiterUntil(start + kFar)
// returns the timer's next due time.
constexpr absl::Duration kFar = absl::Hours(1);

absl::Status Http(int code, const char* retry_after = nullptr) {
  jumio::HttpResponse response;
  response.status = code;
  if (retry_after != nullptr) response.headers["retry-after"] = retry_after;
  return jumio::StatusFromHttp(response, "amer-1", "retrieval_account");
}
absl::Status Reset() {
  return jumio::StatusFromTransport(
      absl::UnavailableError("connection reset by peer"), "amer-1",
      "account_create");
}
absl::Status Refused() {
  absl::Status refused = absl::UnavailableError("connection refused");
  jumio::MarkRequestNotSent(refused);
  return jumio::StatusFromTransport(refused, "amer-1", "account_create");
}

std::string Reason(const absl::Status& status) {
  auto info = errors::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

// Account writes and status answers carry no payload worth checking here.
struct Done {};

class ResilientJumioApiTest : public ::testing::Test {
 protected:
  ResilientJumioApiTest() : start_(clock_.Now()) {
    options_.initial_backoff = absl::Milliseconds(100);
    options_.max_backoff = absl::Seconds(1);
    options_.budget.floor = 100;  // budget tests lower it
  }

  ResilientJumioApi& Api() {
    if (api_ == nullptr) {
      api_ = std::make_unique<ResilientJumioApi>(
          &fake_, clock_, &timer_, options_, [this] { return random_; },
          &metrics_);
    }
    return *api_;
  }

  jumio::CallOptions Options(absl::Duration deadline = absl::Seconds(30)) {
    jumio::CallOptions options;
    options.deadline = clock_.Now() + deadline;
    return options;
  }

  // The time the decorator's next retry is due, once it waits for it.
  absl::Time NextRetry() { return clock_.AwaitWaiterUntil(start_ + kFar); }
  // Moves the clock to the next retry, waits until it reached the fake, and
  // returns how long it was from now.
  absl::Duration RunNextRetry() {
    const size_t calls = fake_.CallCount();
    const absl::Time due = NextRetry();
    const absl::Duration wait = due - clock_.Now();
    clock_.SetTime(due);
    EXPECT_TRUE(fake_.WaitForCalls(calls + 1));
    return wait;
  }

  jumio::JumioApi::Handle GetAccount(
      JumioAnswer<v1::Account>& result, const std::string& region = "amer-1",
      absl::Duration deadline = absl::Seconds(30)) {
    return Api().GetAccount({region, "acct-1"}, Options(deadline),
                            result.Done());
  }

  double Counter(observability::Family<observability::Counter>& family,
                 const std::vector<std::string>& labels) {
    return family.WithLabelValues(labels).Value();
  }

  FakeClock clock_;
  const absl::Time start_;
  FakeJumioApi fake_;
  ResilienceOptions options_;
  double random_ = 1.0;
  observability::Registry registry_;
  observability::GatewayMetrics metrics_{registry_, {"v", "r"}, {"amer-1"}};
  // Destroyed before the api and the fake: no task runs on them afterwards.
  core::TimerThread timer_{clock_};
  std::unique_ptr<ResilientJumioApi> api_;
};

TEST_F(ResilientJumioApiTest, ReadRetriedAfterA503AndSucceeds) {
  v1::Account account;
  account.set_name("regions/amer-1/accounts/acct-1");
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", account);
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  EXPECT_FALSE(result.Answered());  // waiting to retry, not failing
  RunNextRetry();
  absl::StatusOr<v1::Account> got = result.Get();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), account.name());
  EXPECT_EQ(fake_.CallCount(), 2u);
  EXPECT_EQ(
      Counter(metrics_.upstream_attempts, {"amer-1", "retrieval_account"}), 2);
  EXPECT_EQ(Counter(metrics_.upstream_retries, {"amer-1", "retrieval_account"}),
            1);
}

TEST_F(ResilientJumioApiTest, RetriesOnResetsGatewayErrorsAndRateLimits) {
  for (const absl::Status& failure :
       {Http(502), Http(503), Http(504), Http(429), Reset()}) {
    fake_.Script<v1::Account>("GetAccount", failure);
  }
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  options_.max_attempts = 6;
  options_.max_backoff = absl::Milliseconds(100);
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  for (int retry = 0; retry < 5; ++retry) RunNextRetry();
  EXPECT_TRUE(result.Get().ok()) << result.Get().status();
  EXPECT_EQ(fake_.CallCount(), 6u);
}

// A frozen host: the gateway's per-attempt timeout ends the attempt while
// the caller still has time, and the read is tried again.
TEST_F(ResilientJumioApiTest, ReadRetriedAfterTheGatewaysAttemptTimeout) {
  fake_.Script<v1::Account>("GetAccount", jumio::StatusFromAttemptTimeout(
                                              "amer-1", "retrieval_account"));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  RunNextRetry();
  EXPECT_TRUE(result.Get().ok()) << result.Get().status();
}

// A frozen host and a caller with less time left than one attempt: the
// caller gets the retryable UNAVAILABLE at once, not the DEADLINE_EXCEEDED
// that a retry cut short by its deadline would end in.
TEST_F(ResilientJumioApiTest, NoRetryAfterATimeoutThatTheDeadlineWouldCut) {
  // Each attempt may take 10 s; the first one times out after 10 s.
  fake_.Hold("GetAccount");
  fake_.Script<v1::Account>("GetAccount", jumio::StatusFromAttemptTimeout(
                                              "amer-1", "retrieval_account"));
  JumioAnswer<v1::Account> result;
  jumio::CallOptions options = Options(absl::Seconds(15));
  options.attempt_timeout = absl::Seconds(10);
  Api().GetAccount({"amer-1", "acct-1"}, options, result.Done());
  ASSERT_TRUE(fake_.WaitForCalls(1));
  clock_.SetTime(start_ + absl::Seconds(10));
  fake_.Release(0);
  // 5 s left, less than an attempt: the caller gets the retryable answer now.
  absl::StatusOr<v1::Account> got = result.Get();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(got.status()), "UPSTREAM_TIMEOUT");
  EXPECT_TRUE(errors::GetRetryInfo(got.status()).has_value());
  EXPECT_EQ(fake_.CallCount(), 1u);

  // With room for a whole attempt after the timeout, it is tried again.
  fake_.Script<v1::Account>("GetAccount", jumio::StatusFromAttemptTimeout(
                                              "amer-1", "retrieval_account"));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> again;
  options = Options(absl::Seconds(25));
  options.attempt_timeout = absl::Seconds(10);
  const absl::Time second = clock_.Now();
  Api().GetAccount({"amer-1", "acct-1"}, options, again.Done());
  ASSERT_TRUE(fake_.WaitForCalls(2));
  clock_.SetTime(second + absl::Seconds(10));
  fake_.Release(1);
  clock_.SetTime(NextRetry());
  ASSERT_TRUE(fake_.WaitForCalls(3));
  fake_.Release(2);
  EXPECT_TRUE(again.Get().ok()) << again.Get().status();
}

TEST_F(ResilientJumioApiTest, AnswersThatRepeatAreNotRetried) {
  for (const absl::Status& answer :
       {Http(500), Http(404), Http(400), Http(401), Http(409)}) {
    FakeJumioApi fake;
    fake.Script<v1::Account>("GetAccount", answer);
    ResilientJumioApi api(&fake, clock_, &timer_, options_, [] { return 1.0; });
    JumioAnswer<v1::Account> result;
    api.GetAccount({"amer-1", "acct-1"}, Options(), result.Done());
    EXPECT_EQ(result.Get().status().code(), answer.code()) << answer;
    EXPECT_EQ(fake.CallCount(), 1u) << answer;
  }
}

TEST_F(ResilientJumioApiTest, BackoffIsFullJitterExponentialAndCapped) {
  options_.max_attempts = 6;
  options_.max_backoff = absl::Milliseconds(500);
  options_.breaker.consecutive_failures = 10;
  random_ = 0.5;
  for (int i = 0; i < 5; ++i)
    fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  // Half (the random draw) of 100, 200, 400, then the 500 ms cap.
  EXPECT_EQ(RunNextRetry(), absl::Milliseconds(50));
  EXPECT_EQ(RunNextRetry(), absl::Milliseconds(100));
  EXPECT_EQ(RunNextRetry(), absl::Milliseconds(200));
  EXPECT_EQ(RunNextRetry(), absl::Milliseconds(250));
  EXPECT_EQ(RunNextRetry(), absl::Milliseconds(250));
  EXPECT_TRUE(result.Get().ok());
}

TEST_F(ResilientJumioApiTest, ZeroJitterRetriesAtOnce) {
  random_ = 0.0;
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  EXPECT_TRUE(result.Get().ok());
  EXPECT_EQ(clock_.Now(), start_);
}

TEST_F(ResilientJumioApiTest, RetryAfterIsHonoured) {
  fake_.Script<v1::Account>("GetAccount", Http(503, "3"));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  EXPECT_EQ(RunNextRetry(), absl::Seconds(3));
  EXPECT_TRUE(result.Get().ok());
}

TEST_F(ResilientJumioApiTest, NeverWaitsPastTheCallersDeadline) {
  fake_.Script<v1::Account>("GetAccount", Http(503, "3"));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  GetAccount(result, "amer-1", absl::Seconds(2));
  // The caller gets Jumio's answer at once, with its RetryInfo, instead of
  // a DEADLINE_EXCEEDED two seconds later.
  absl::StatusOr<v1::Account> got = result.Get();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(errors::GetRetryInfo(got.status()).has_value());
  EXPECT_EQ(fake_.CallCount(), 1u);
  EXPECT_EQ(clock_.Now(), start_);
}

TEST_F(ResilientJumioApiTest, StopsAtMaxAttempts) {
  options_.max_attempts = 3;
  for (int i = 0; i < 4; ++i)
    fake_.Script<v1::Account>("GetAccount", Http(503));
  JumioAnswer<v1::Account> result;
  GetAccount(result);
  RunNextRetry();
  RunNextRetry();
  EXPECT_EQ(result.Get().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake_.CallCount(), 3u);
}

TEST_F(ResilientJumioApiTest, CreateRetriedOnlyWhenNothingWasSent) {
  v1::CreateAccountResponse created;
  created.set_account("regions/amer-1/accounts/acct-2");
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", Refused());
  fake_.Script<v1::CreateAccountResponse>("CreateAccount", created);
  JumioAnswer<v1::CreateAccountResponse> refused_first;
  Api().CreateAccount({{"amer-1", ""}, "{}"}, Options(), refused_first.Done());
  RunNextRetry();
  ASSERT_TRUE(refused_first.Get().ok()) << refused_first.Get().status();
  EXPECT_EQ(fake_.CallCount(), 2u);

  // Jumio may have created the account before the connection broke, or
  // before it answered 503: a second POST would create a second one.
  for (const absl::Status& maybe_sent : {Reset(), Http(503), Http(429)}) {
    fake_.Script<v1::CreateAccountResponse>("CreateAccount", maybe_sent);
    fake_.Script<v1::CreateAccountResponse>("CreateAccount", created);
    const size_t before = fake_.CallCount();
    JumioAnswer<v1::CreateAccountResponse> result;
    Api().CreateAccount({{"amer-1", ""}, "{}"}, Options(), result.Done());
    EXPECT_EQ(result.Get().status().code(), maybe_sent.code()) << maybe_sent;
    EXPECT_EQ(fake_.CallCount(), before + 1) << maybe_sent;
    // Leave the unused script for the next round's first call.
    JumioAnswer<v1::CreateAccountResponse> drain;
    Api().CreateAccount({{"amer-1", ""}, "{}"}, Options(), drain.Done());
    ASSERT_TRUE(drain.Get().ok());
  }
}

TEST_F(ResilientJumioApiTest, UpdateNotRetriedAfterAReset) {
  fake_.Script<v1::UpdateAccountResponse>("UpdateAccount", Reset());
  fake_.Script<v1::UpdateAccountResponse>("UpdateAccount",
                                          v1::UpdateAccountResponse());
  JumioAnswer<v1::UpdateAccountResponse> result;
  Api().UpdateAccount({{"amer-1", "acct-1"}, "{}"}, Options(), result.Done());
  EXPECT_EQ(result.Get().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(ResilientJumioApiTest, PartReplaceRetriedPartAddNot) {
  jumio::PartUpload upload;
  upload.part = {"amer-1", "acct-1", "wf-1", "cred-1", "FRONT"};
  upload.filename = "front.jpg";
  upload.content = absl::Cord("jpeg bytes");

  upload.replace = false;
  fake_.Script<v1::UploadCredentialPartResponse>("UploadPart", Reset());
  JumioAnswer<v1::UploadCredentialPartResponse> add;
  Api().UploadPart(upload, Options(), add.Done());
  EXPECT_EQ(add.Get().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake_.CallCount(), 1u);

  upload.replace = true;
  fake_.Script<v1::UploadCredentialPartResponse>("UploadPart", Reset());
  fake_.Script<v1::UploadCredentialPartResponse>(
      "UploadPart", v1::UploadCredentialPartResponse());
  JumioAnswer<v1::UploadCredentialPartResponse> replace;
  Api().UploadPart(upload, Options(), replace.Done());
  RunNextRetry();
  EXPECT_TRUE(replace.Get().ok()) << replace.Get().status();
  ASSERT_EQ(fake_.CallCount(), 3u);
  // The retry sends the same bytes again.
  EXPECT_EQ(fake_.Calls()[2].content, "jpeg bytes");
}

TEST_F(ResilientJumioApiTest, DeletesAndFinalizeAreRetried) {
  fake_.ScriptStatus("DeleteAccount", Http(503));
  fake_.ScriptStatus("DeleteAccount", absl::OkStatus());
  JumioAnswer<Done> deleted;
  Api().DeleteAccount({"amer-1", "acct-1"}, Options(), deleted.DoneStatus());
  RunNextRetry();
  EXPECT_TRUE(deleted.Get().ok()) << deleted.Get().status();

  fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
      "FinalizeWorkflowExecution", Http(504));
  fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
      "FinalizeWorkflowExecution", v1::FinalizeWorkflowExecutionResponse());
  JumioAnswer<v1::FinalizeWorkflowExecutionResponse> finalized;
  Api().FinalizeWorkflowExecution({"amer-1", "acct-1", "wf-1"}, Options(),
                                  finalized.Done());
  RunNextRetry();
  EXPECT_TRUE(finalized.Get().ok()) << finalized.Get().status();
  EXPECT_EQ(fake_.CallCount(), 4u);
}

TEST_F(ResilientJumioApiTest, RetryBudgetBoundsRetriesToAShareOfRequests) {
  options_.budget.floor = 1;
  options_.budget.ratio = 0.25;
  options_.budget.window = absl::Seconds(10);
  random_ = 0.0;  // retries go at once: the clock stays in one window
  // Call n is the n-th request: retries allowed while retries < 1 + n / 4.
  const bool retried[] = {true, true, false, false, true};
  for (bool expect_retry : retried) {
    fake_.Script<v1::Account>("GetAccount", Http(503));
    if (expect_retry) fake_.Script<v1::Account>("GetAccount", v1::Account());
    JumioAnswer<v1::Account> result;
    GetAccount(result);
    EXPECT_EQ(result.Get().ok(), expect_retry) << result.Get().status();
  }
  EXPECT_EQ(fake_.CallCount(), 8u);
  EXPECT_EQ(Counter(metrics_.upstream_retry_budget_exhausted, {"amer-1"}), 2);

  // Once the window has passed, the floor is available again.
  clock_.Advance(absl::Seconds(11));
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> later;
  GetAccount(later);
  EXPECT_TRUE(later.Get().ok());
}

TEST_F(ResilientJumioApiTest, RetryBudgetIsPerRegion) {
  options_.budget.floor = 1;
  options_.budget.ratio = 0;
  random_ = 0.0;
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> first;
  GetAccount(first, "amer-1");
  ASSERT_TRUE(first.Get().ok());
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> other_region;
  GetAccount(other_region, "emea-1");
  EXPECT_TRUE(other_region.Get().ok());
}

TEST_F(ResilientJumioApiTest, CancelDuringBackoffEndsTheCallAndSendsNoMore) {
  fake_.Script<v1::Account>("GetAccount", Http(503));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  auto handle = GetAccount(result);
  NextRetry();
  handle->Cancel();
  EXPECT_EQ(result.Get().status().code(), absl::StatusCode::kCancelled);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(ResilientJumioApiTest, CancelReachesTheAttemptInFlight) {
  fake_.Hold("GetAccount");
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> result;
  auto handle = GetAccount(result);
  ASSERT_TRUE(fake_.WaitForCalls(1));
  handle->Cancel();
  ASSERT_TRUE(fake_.WaitForCancel(0));
  EXPECT_EQ(result.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(fake_.CallCount(), 1u);
}

TEST_F(ResilientJumioApiTest, ConsecutiveFailuresOpenTheBreakerOfThatHostOnly) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 3;
  options_.breaker.open_for = absl::Seconds(5);
  for (int i = 0; i < 3; ++i) {
    fake_.Script<v1::Account>("GetAccount", Http(503));
    JumioAnswer<v1::Account> result;
    GetAccount(result);
    EXPECT_EQ(Reason(result.Get().status()), "UPSTREAM_UNAVAILABLE");
  }
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kOpen);
  EXPECT_EQ(
      metrics_.circuit_state.WithLabelValues({"amer-1", "retrieval"}).Value(),
      2);

  // Open: fails at once, nothing sent, RetryInfo until the probe.
  JumioAnswer<v1::Account> fast;
  GetAccount(fast);
  const absl::Status open = fast.Get().status();
  EXPECT_EQ(open.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(open), "CIRCUIT_OPEN");
  ASSERT_TRUE(errors::GetRetryInfo(open).has_value());
  EXPECT_EQ(errors::GetRetryInfo(open)->retry_delay().seconds(), 5);
  EXPECT_EQ(fake_.CallCount(), 3u);

  // Another host kind of the region, and the same host kind of another
  // region, still work.
  fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
      "FinalizeWorkflowExecution", v1::FinalizeWorkflowExecutionResponse());
  JumioAnswer<v1::FinalizeWorkflowExecutionResponse> api_host;
  Api().FinalizeWorkflowExecution({"amer-1", "acct-1", "wf-1"}, Options(),
                                  api_host.Done());
  EXPECT_TRUE(api_host.Get().ok());
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> other_region;
  GetAccount(other_region, "emea-1");
  EXPECT_TRUE(other_region.Get().ok());
}

TEST_F(ResilientJumioApiTest, CircuitsReportTheRegionsBreakers) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 1;
  EXPECT_TRUE(Api().Circuits("amer-1").empty());
  fake_.Script<v1::Account>("GetAccount", Http(503));
  JumioAnswer<v1::Account> failed;
  GetAccount(failed);
  ASSERT_FALSE(failed.Get().ok());
  fake_.Script<v1::FinalizeWorkflowExecutionResponse>(
      "FinalizeWorkflowExecution", v1::FinalizeWorkflowExecutionResponse());
  JumioAnswer<v1::FinalizeWorkflowExecutionResponse> finalized;
  Api().FinalizeWorkflowExecution({"amer-1", "acct-1", "wf-1"}, Options(),
                                  finalized.Done());
  ASSERT_TRUE(finalized.Get().ok());

  const std::vector<jumio::HostCircuit> circuits = Api().Circuits("amer-1");
  ASSERT_EQ(circuits.size(), 2u);
  EXPECT_EQ(circuits[0].host, "api");
  EXPECT_EQ(circuits[0].state, v1::CIRCUIT_STATE_CLOSED);
  EXPECT_EQ(circuits[1].host, "retrieval");
  EXPECT_EQ(circuits[1].state, v1::CIRCUIT_STATE_OPEN);
  EXPECT_TRUE(Api().Circuits("emea-1").empty());
}

TEST_F(ResilientJumioApiTest, HalfOpenProbeClosesOrReopensTheBreaker) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 1;
  options_.breaker.open_for = absl::Seconds(5);
  fake_.Script<v1::Account>("GetAccount", Http(503));
  JumioAnswer<v1::Account> failed;
  GetAccount(failed);
  ASSERT_FALSE(failed.Get().ok());
  ASSERT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kOpen);

  // The probe after the open period fails: open again for a full period.
  clock_.Advance(absl::Seconds(5));
  fake_.Script<v1::Account>("GetAccount", Reset());
  JumioAnswer<v1::Account> probe;
  GetAccount(probe);
  EXPECT_EQ(Reason(probe.Get().status()), "UPSTREAM_UNAVAILABLE");
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kOpen);
  clock_.Advance(absl::Seconds(4));
  JumioAnswer<v1::Account> still_open;
  GetAccount(still_open);
  EXPECT_EQ(Reason(still_open.Get().status()), "CIRCUIT_OPEN");

  // The next probe succeeds: closed, calls flow again.
  clock_.Advance(absl::Seconds(1));
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> good_probe;
  GetAccount(good_probe);
  EXPECT_TRUE(good_probe.Get().ok());
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kClosed);
  EXPECT_EQ(
      metrics_.circuit_state.WithLabelValues({"amer-1", "retrieval"}).Value(),
      0);
  JumioAnswer<v1::Account> after;
  GetAccount(after);
  EXPECT_TRUE(after.Get().ok());
  EXPECT_EQ(fake_.CallCount(), 4u);
}

TEST_F(ResilientJumioApiTest, HalfOpenLetsOnlyTheProbeThrough) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 1;
  fake_.Script<v1::Account>("GetAccount", Http(503));
  JumioAnswer<v1::Account> failed;
  GetAccount(failed);
  ASSERT_FALSE(failed.Get().ok());
  clock_.Advance(options_.breaker.open_for);
  fake_.Hold("GetAccount");
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> probe;
  GetAccount(probe);
  ASSERT_TRUE(fake_.WaitForCalls(2));
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kHalfOpen);
  JumioAnswer<v1::Account> second;
  GetAccount(second);
  EXPECT_EQ(Reason(second.Get().status()), "CIRCUIT_OPEN");
  fake_.Release(1);
  EXPECT_TRUE(probe.Get().ok());
  EXPECT_EQ(fake_.CallCount(), 2u);
}

TEST_F(ResilientJumioApiTest, AFailureRatioOpensTheBreaker) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 100;
  options_.breaker.failure_ratio = 0.5;
  options_.breaker.ratio_min_outcomes = 4;
  const bool ok[] = {true, false, true, false};
  for (bool good : ok) {
    fake_.Script<v1::Account>(
        "GetAccount",
        good ? absl::StatusOr<v1::Account>(v1::Account()) : Http(503));
    JumioAnswer<v1::Account> result;
    GetAccount(result);
    ASSERT_EQ(result.Get().ok(), good);
  }
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kOpen);
}

TEST_F(ResilientJumioApiTest, AnswersThatSayTheHostWorksKeepTheBreakerClosed) {
  options_.max_attempts = 1;
  options_.breaker.consecutive_failures = 2;
  for (const absl::Status& answer :
       {Http(404), Http(429), Http(400), Http(404), Http(429)}) {
    fake_.Script<v1::Account>("GetAccount", answer);
    JumioAnswer<v1::Account> result;
    GetAccount(result);
    ASSERT_FALSE(result.Get().ok());
  }
  EXPECT_EQ(Api().CircuitState("amer-1", HostKind::kRetrieval),
            CircuitBreaker::State::kClosed);
}

TEST_F(ResilientJumioApiTest, CallsBeyondTheInFlightBoundAreShedAtOnce) {
  options_.max_in_flight = 2;
  fake_.Hold("GetAccount");
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  fake_.Script<v1::Account>("GetAccount", v1::Account());
  JumioAnswer<v1::Account> first, second, shed;
  GetAccount(first);
  GetAccount(second);
  GetAccount(shed);
  const absl::Status status = shed.Get().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Reason(status), "UPSTREAM_OVERLOADED");
  EXPECT_TRUE(errors::GetRetryInfo(status).has_value());
  EXPECT_EQ(fake_.CallCount(), 2u);
  EXPECT_EQ(Counter(metrics_.upstream_shed, {"amer-1", "retrieval"}), 1);

  // Another host kind has its own bound.
  fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                         v1::RegionPlatformStatus());
  JumioAnswer<v1::RegionPlatformStatus> status_host;
  Api().GetPlatformStatus("amer-1", Options(), status_host.Done());
  EXPECT_TRUE(status_host.Get().ok());

  // A finished call frees its slot.
  fake_.Release(0);
  ASSERT_TRUE(first.Get().ok());
  JumioAnswer<v1::Account> later;
  GetAccount(later);
  ASSERT_TRUE(fake_.WaitForCalls(4));
  fake_.Release(3);
  EXPECT_TRUE(later.Get().ok());
  fake_.Release(1);
  EXPECT_TRUE(second.Get().ok());
}

}  // namespace
}  // namespace jumio_gateway::resilience
