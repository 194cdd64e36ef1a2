// RedisRateLimiter against a real redis-server started for the test on a port
// it picks: two limiters (two replicas) share one limit; a refusal reserves
// nothing; an unreachable Redis falls back to the per-replica share and says
// so, and the shared limit is used again once Redis is back.
#include "server/resilience/redis_rate_limiter.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/core/clock.h"
#include "server/resilience/rate_limiter.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::resilience {
namespace {

using callbacks::testing::RedisServer;
using callbacks::testing::StartRedis;

// Turns computed from Redis's clock and mapped onto ours: two turns are an
// interval apart up to the time between the two round trips, a few ms on
// loopback even under a sanitizer.
constexpr absl::Duration kSlack = absl::Milliseconds(30);

RedisRateLimiterOptions OptionsFor(const RedisServer& redis) {
  RedisRateLimiterOptions options;
  options.address = redis.address();
  options.prefix = "rl-test";
  options.replicas = 2;
  return options;
}

TEST(RedisRateLimiterTest, TwoReplicasShareOneLimit) {
  absl::StatusOr<RedisServer> redis =
      StartRedis(::jumio::testing::MakeTempDir());
  ASSERT_TRUE(redis.ok()) << redis.status();
  const core::Clock& clock = core::SystemClock();
  RedisRateLimiter a(OptionsFor(*redis), clock);
  RedisRateLimiter b(OptionsFor(*redis), clock);
  const RateLimit limit{10, 1};  // one turn per 100 ms, together
  std::vector<absl::Time> turns;
  for (int i = 0; i < 10; ++i) {
    const Permit p =
        (i % 2 == 0 ? a : b).Reserve("emea-1/x", limit, absl::InfiniteFuture());
    ASSERT_TRUE(p.granted);
    EXPECT_FALSE(p.fallback);
    turns.push_back(p.at);
  }
  for (size_t i = 1; i < turns.size(); ++i) {
    const absl::Duration gap = turns[i] - turns[i - 1];
    EXPECT_GE(gap, absl::Milliseconds(100) - kSlack) << i;
    EXPECT_LE(gap, absl::Milliseconds(100) + kSlack) << i;
  }
  // Another key is not held back.
  const Permit other = b.Reserve("amer-1/x", limit, absl::InfiniteFuture());
  EXPECT_LE(other.at, clock.Now() + kSlack);
}

TEST(RedisRateLimiterTest, RefusalReservesNothing) {
  absl::StatusOr<RedisServer> redis =
      StartRedis(::jumio::testing::MakeTempDir());
  ASSERT_TRUE(redis.ok()) << redis.status();
  const core::Clock& clock = core::SystemClock();
  RedisRateLimiter limiter(OptionsFor(*redis), clock);
  const RateLimit limit{1, 1};
  ASSERT_TRUE(limiter.Reserve("k", limit, absl::InfiniteFuture()).granted);
  const absl::Time now = clock.Now();
  const Permit refused = limiter.Reserve("k", limit, now + absl::Seconds(0.5));
  EXPECT_FALSE(refused.granted);
  EXPECT_FALSE(refused.fallback);
  EXPECT_GE(refused.at, now + absl::Seconds(1) - kSlack);
  // The next caller gets the turn the refused one did not take.
  const Permit next = limiter.Reserve("k", limit, absl::InfiniteFuture());
  EXPECT_TRUE(next.granted);
  EXPECT_LE(next.at, refused.at + kSlack);
}

TEST(RedisRateLimiterTest, UnreachableRedisFallsBackToTheReplicasShare) {
  const std::string dir = ::jumio::testing::MakeTempDir();
  absl::StatusOr<RedisServer> redis = StartRedis(dir);
  ASSERT_TRUE(redis.ok()) << redis.status();
  const core::Clock& clock = core::SystemClock();
  RedisRateLimiterOptions options = OptionsFor(*redis);
  options.reconnect_after = absl::Milliseconds(200);
  RedisRateLimiter limiter(options, clock);
  const RateLimit limit{10, 2};  // two replicas: 5/s, burst 1 each
  EXPECT_FALSE(limiter.Reserve("k", limit, absl::InfiniteFuture()).fallback);

  redis->proc->Stop();  // by PID
  const Permit first = limiter.Reserve("k", limit, absl::InfiniteFuture());
  EXPECT_TRUE(first.fallback);
  EXPECT_TRUE(first.granted);
  const Permit second = limiter.Reserve("k", limit, absl::InfiniteFuture());
  EXPECT_TRUE(second.fallback);
  EXPECT_GE(second.at - first.at, absl::Milliseconds(200) - kSlack);

  // Redis back on the same port: used again after reconnect_after.
  const int port = redis->port;
  ::jumio::testing::Subprocess::Options proc_options;
  proc_options.port_file_flag = "";
  proc_options.log_file = dir + "/redis-again.log";
  auto restarted = ::jumio::testing::Subprocess::Start(
      "/usr/bin/redis-server",
      {"--port", absl::StrCat(port), "--bind", "127.0.0.1", "--save", "",
       "--daemonize", "no"},
      proc_options);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        return !limiter.Reserve("k", limit, absl::InfiniteFuture()).fallback;
      },
      absl::Seconds(20)));
}

TEST(RedisRateLimiterTest, NoRedisAtAllIsTheShareFromTheStart) {
  RedisRateLimiterOptions options;
  options.address = "127.0.0.1:1";  // nothing listens on port 1
  options.replicas = 3;
  RedisRateLimiter limiter(options, core::SystemClock());
  const Permit p = limiter.Reserve("k", {3, 1}, absl::InfiniteFuture());
  EXPECT_TRUE(p.granted);
  EXPECT_TRUE(p.fallback);
  // 1/s for this replica: the next turn is about a second away.
  const Permit next = limiter.Reserve("k", {3, 1}, absl::InfiniteFuture());
  EXPECT_GE(next.at - p.at, absl::Milliseconds(990));
}

}  // namespace
}  // namespace jumio_gateway::resilience
