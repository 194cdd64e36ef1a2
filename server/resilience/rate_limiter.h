// Client-side rate limits (issue 11): when the next call under a key may be
// sent so that the calls under that key stay within a rate and a burst. The
// algorithm is GCRA (the generic cell rate algorithm, a token bucket kept as
// one "theoretical arrival time" per key), answered as a reservation: a call
// learns the time its turn comes, and the turn is its own from then on, so
// turns are handed out in the order of the calls (FIFO) and nobody has to
// wait on a thread for one.
//
// Two implementations: GcraRateLimiter (in memory, one replica) and
// RedisRateLimiter (redis_rate_limiter.h: one limit shared by every replica).
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITER_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::resilience {

struct RateLimit {
  // Calls per second; 0 or less is no limit.
  double per_second = 0;
  // Calls that may go at once after a quiet period (at least 1).
  int burst = 1;
  bool unlimited() const { return per_second <= 0; }
};

struct Permit {
  // True: the turn is reserved and the call may be sent at `at`. False:
  // nothing was reserved; `at` is the earliest time the turn would have come.
  bool granted = false;
  absl::Time at;
  // Decided by the per-replica share because the shared store was
  // unreachable.
  bool fallback = false;
};

// One of `replicas` replicas' share of `limit` when the replicas cannot
// share it: per_second / replicas, burst / replicas (at least 1).
RateLimit ShareOf(const RateLimit& limit, int replicas);

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Reserves the next turn under `key` if it comes no later than `latest`.
  // A turn reserved is used up even when the call is then cancelled (the
  // limit errs on the side of sending less). Thread-safe.
  virtual Permit Reserve(const std::string& key, const RateLimit& limit,
                         absl::Time latest) = 0;
};

// GCRA in memory. One arrival time per key, kept as long as this lives (keys
// are region and operation class: a small fixed set).
class GcraRateLimiter final : public RateLimiter {
 public:
  // `clock` must outlive this.
  explicit GcraRateLimiter(const core::Clock& clock) : clock_(clock) {}

  Permit Reserve(const std::string& key, const RateLimit& limit,
                 absl::Time latest) override;

 private:
  const core::Clock& clock_;
  absl::Mutex mu_;
  // The theoretical arrival time of the next call per key.
  absl::flat_hash_map<std::string, absl::Time> tat_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_RATE_LIMITER_H_
