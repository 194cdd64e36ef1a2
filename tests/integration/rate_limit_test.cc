// Client-side rate limiting as it ships (issue 11's done-when): the real
// jumio-gateway binary against the real jumio-sandbox enforcing its account
// create limit. 50 concurrent CreateAccount calls with request ids and a
// 120 s deadline: no caller sees a 429, 50 accounts, no duplicate; with two
// gateway replicas sharing one real redis-server the sandbox's journal shows
// them together under the limit.
//
// Jumio's limit is 1/s; at 1/s the 50 calls take 50 s, so the sandbox runs
// at 5/s (--account_rate, burst 3 as at 1/s) and the gateways are configured
// to 5/s (burst 2, the default): the same scenario 5 times faster.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::testing::Subprocess;

constexpr int kCalls = 50;
constexpr double kRate = 5;  // account creates per second (Jumio: 1)
constexpr int kSandboxBurst = 3;
constexpr int kDeadlineSeconds = 120;

struct Outcome {
  int ok = 0;
  int rate_limited = 0;  // RESOURCE_EXHAUSTED of any reason
  std::vector<std::string> failures;
  std::set<std::string> accounts;
};

// What reached "Jumio": the account POSTs of the journal.
struct Posts {
  std::vector<absl::Time> times;
  int ok = 0;
  int too_many = 0;
  std::set<std::string> request_ids;
};

class RateLimitTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraSandboxArgs() override {
    return {"--rate_limits=true", absl::StrCat("--account_rate=", kRate),
            absl::StrCat("--account_burst=", kSandboxBurst)};
  }
  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = {
        "--upstream_rate_limits=true",
        absl::StrCat("--upstream_rate_account_write=", kRate)};
    for (std::string& arg : SharedArgs()) args.push_back(std::move(arg));
    return args;
  }
  // Arguments both replicas get besides the fixture's.
  virtual std::vector<std::string> SharedArgs() { return {}; }

  // `count` CreateAccount calls at once on `stub`, each with a request id of
  // its own (a UUID naming `caller` and the call's index).
  static void CreateConcurrently(v1::AccountService::Stub* stub, int caller,
                                 int count, Outcome* outcome, absl::Mutex* mu,
                                 std::vector<std::thread>* threads) {
    for (int i = 0; i < count; ++i) {
      threads->emplace_back([=] {
        v1::CreateAccountRequest request;
        request.set_region(v1::REGION_EMEA_1);
        request.set_request_id(
            absl::StrFormat("%08x-0000-4000-8000-%012x", caller, i));
        request.set_customer_internal_reference(absl::StrCat("order-", i));
        request.mutable_workflow_definition()->set_key(2);
        v1::CreateAccountResponse response;
        auto context = testing::Context(kDeadlineSeconds);
        const grpc::Status status =
            stub->CreateAccount(context.get(), request, &response);
        absl::MutexLock lock(mu);
        if (status.ok()) {
          ++outcome->ok;
          outcome->accounts.insert(response.account_id());
        } else {
          if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            ++outcome->rate_limited;
          }
          outcome->failures.push_back(status.error_message());
        }
      });
    }
  }

  Posts AccountPosts() {
    auto response = http_.Get(absl::StrCat(
        sandbox_url_,
        "/_sandbox/journal?limit=100000&hostKind=account&method=POST"));
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    Posts posts;
    if (!doc.IsObject() || !doc.HasMember("entries")) return posts;
    for (const auto& e : doc["entries"].GetArray()) {
      absl::Time time;
      std::string error;
      if (absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", e["time"].GetString(), &time,
                          &error)) {
        posts.times.push_back(time);
      }
      const int status = e["status"].GetInt();
      if (status == 200) ++posts.ok;
      if (status == 429) ++posts.too_many;
      for (const auto& h : e["headers"].GetObject()) {
        std::string name = h.name.GetString();
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        if (name == "x-request-id")
          posts.request_ids.insert(h.value.GetString());
      }
    }
    std::sort(posts.times.begin(), posts.times.end());
    return posts;
  }

  // Most POSTs the sandbox received in any one second.
  static int BusiestSecond(const std::vector<absl::Time>& times) {
    int most = 0;
    for (size_t i = 0, j = 0; i < times.size(); ++i) {
      while (times[i] - times[j] >= absl::Seconds(1)) ++j;
      most = std::max(most, static_cast<int>(i - j + 1));
    }
    return most;
  }

  void Report(const char* title, const Outcome& outcome, const Posts& posts,
              absl::Duration elapsed) {
    const double span =
        posts.times.size() < 2
            ? 0
            : absl::ToDoubleSeconds(posts.times.back() - posts.times.front());
    std::printf(
        "rate limit report (%s; sandbox %.0f/s burst %d)\n"
        "  calls                        %d (deadline %d s)\n"
        "  succeeded                    %d\n"
        "  RESOURCE_EXHAUSTED to callers %d\n"
        "  distinct accounts            %zu\n"
        "  account POSTs at the sandbox %zu (200: %d, 429: %d, request ids "
        "%zu)\n"
        "  POST rate                    %.2f/s over %.2f s; busiest second "
        "%d\n"
        "  wall time                    %.2f s\n",
        title, kRate, kSandboxBurst, kCalls, kDeadlineSeconds, outcome.ok,
        outcome.rate_limited, outcome.accounts.size(), posts.times.size(),
        posts.ok, posts.too_many, posts.request_ids.size(),
        span > 0 ? (posts.times.size() - 1) / span : 0.0, span,
        BusiestSecond(posts.times), absl::ToDoubleSeconds(elapsed));
  }

  void ExpectUnderTheLimit(const Outcome& outcome, const Posts& posts) {
    EXPECT_EQ(outcome.ok, kCalls)
        << (outcome.failures.empty() ? "" : outcome.failures[0]);
    EXPECT_EQ(outcome.rate_limited, 0);
    EXPECT_EQ(outcome.accounts.size(), static_cast<size_t>(kCalls));
    EXPECT_EQ(posts.times.size(), static_cast<size_t>(kCalls));  // one each
    EXPECT_EQ(posts.ok, kCalls);
    EXPECT_EQ(posts.too_many, 0);
    EXPECT_EQ(posts.request_ids.size(), static_cast<size_t>(kCalls));
    EXPECT_LE(BusiestSecond(posts.times), kRate + kSandboxBurst);
  }
};

TEST_F(RateLimitTest, FiftyConcurrentCreatesWaitForTheirTurnsInsteadOf429) {
  Outcome outcome;
  absl::Mutex mu;
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  CreateConcurrently(accounts_.get(), 1, kCalls, &outcome, &mu, &threads);
  for (std::thread& t : threads) t.join();
  const Posts posts = AccountPosts();
  Report("one replica, in memory", outcome, posts, absl::Now() - start);
  ExpectUnderTheLimit(outcome, posts);
  // 50 turns at 5/s with a burst of 2: no faster than the limit allows.
  ASSERT_EQ(posts.times.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(posts.times.back() - posts.times.front(),
            absl::Seconds((kCalls - 2) / kRate) - absl::Milliseconds(100));
}

class SharedRateLimitTest : public RateLimitTest {
 protected:
  std::vector<std::string> SharedArgs() override {
    // Runs in SetUp, before the fixture starts the first replica.
    if (!redis_.has_value()) {
      auto redis =
          callbacks::testing::StartRedis(::jumio::testing::MakeTempDir());
      if (redis.ok()) {
        redis_ = std::move(*redis);
      } else {
        ADD_FAILURE() << redis.status();
        return {};
      }
    }
    return {"--upstream_rate_store=redis",
            "--callback_redis_address=" + redis_->address(),
            "--callback_redis_prefix=rate-limit-test",
            // 1, not 2: were the limit not shared, each replica would
            // send at the full 5/s and the sandbox would answer 429s.
            "--upstream_rate_replicas=1"};
  }

  // A second replica: the fixture's gateway arguments, its own ports.
  std::unique_ptr<Subprocess> StartSecondReplica() {
    auto gateway = StartGateway(ExtraGatewayArgs(), dir_ + "/gateway-2.log");
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    return gateway.ok() ? std::move(*gateway) : nullptr;
  }

  std::optional<callbacks::testing::RedisServer> redis_;
};

TEST_F(SharedRateLimitTest, TwoReplicasSharingRedisStayUnderTheLimitTogether) {
  ASSERT_TRUE(redis_.has_value());
  std::unique_ptr<Subprocess> second = StartSecondReplica();
  ASSERT_NE(second, nullptr);
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", second->port()),
                                     grpc::InsecureChannelCredentials());
  auto second_accounts = v1::AccountService::NewStub(channel);

  Outcome outcome;
  absl::Mutex mu;
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  CreateConcurrently(accounts_.get(), 1, kCalls / 2, &outcome, &mu, &threads);
  CreateConcurrently(second_accounts.get(), 2, kCalls - kCalls / 2, &outcome,
                     &mu, &threads);
  for (std::thread& t : threads) t.join();
  const Posts posts = AccountPosts();
  Report("two replicas, one limit in redis", outcome, posts,
         absl::Now() - start);
  ExpectUnderTheLimit(outcome, posts);
  // Each replica alone would have been allowed 5/s: together they did not
  // go faster than that.
  ASSERT_EQ(posts.times.size(), static_cast<size_t>(kCalls));
  EXPECT_GE(posts.times.back() - posts.times.front(),
            absl::Seconds((kCalls - 2) / kRate) - absl::Milliseconds(200));
}

}  // namespace
}  // namespace jumio_gateway
