// GCRA in Redis: one limit shared by every gateway replica that uses the same
// Redis (the callback log's server: same address and key prefix). Each
// reservation is one atomic Lua script run against Redis's own clock (TIME),
// so the replicas' clocks need not agree.
//
// When Redis cannot be reached (or answers an error), the reservation is
// decided in memory against a per-replica share of the limit (per_second /
// replicas, burst / replicas, at least 1) and the Permit says so; Redis is
// tried again after `reconnect_after`, so that an unreachable Redis costs one
// connect timeout per period, not one per call.
//
// The round trip runs on the caller's thread (hiredis is synchronous): the
// timeouts are short on purpose (a reservation is one tiny script on
// loopback or in the cluster), and a slow Redis falls back.
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_REDIS_RATE_LIMITER_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_REDIS_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"
#include "server/resilience/rate_limiter.h"

struct redisContext;

namespace jumio_gateway::resilience {

struct RedisRateLimiterOptions {
  // "host:port" or "unix:/path" (as callback_redis_address).
  std::string address = "127.0.0.1:6379";
  // Keys are "<prefix>:ratelimit:<key>" (as callback_redis_prefix).
  std::string prefix = "jumio-gateway";
  absl::Duration connect_timeout = absl::Milliseconds(200);
  absl::Duration command_timeout = absl::Milliseconds(200);
  absl::Duration reconnect_after = absl::Seconds(1);
  // Replicas expected to share the limit; each takes 1/replicas of it while
  // Redis is unreachable.
  int replicas = 1;
};

class RedisRateLimiter final : public RateLimiter {
 public:
  // `clock` must outlive this. Connects lazily, on the first reservation.
  RedisRateLimiter(RedisRateLimiterOptions options, const core::Clock& clock);
  ~RedisRateLimiter() override;
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  Permit Reserve(const std::string& key, const RateLimit& limit,
                 absl::Time latest) override;

 private:
  // The wait until the turn (granted) or until it would come (refused).
  struct Answer {
    bool granted = false;
    absl::Duration wait;
  };
  absl::StatusOr<Answer> Eval(const std::string& key, const RateLimit& limit,
                              absl::Duration max_wait)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Connect() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Drop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisRateLimiterOptions options_;
  const core::Clock& clock_;
  GcraRateLimiter fallback_;
  // One connection: a reservation is one short round trip.
  absl::Mutex mu_;
  redisContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // No connection attempt before this after a failure.
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_REDIS_RATE_LIMITER_H_
