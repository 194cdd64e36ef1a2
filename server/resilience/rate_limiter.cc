#include "server/resilience/rate_limiter.h"

#include <algorithm>

namespace jumio_gateway::resilience {

RateLimit ShareOf(const RateLimit& limit, int replicas) {
  replicas = std::max(replicas, 1);
  return {limit.per_second / replicas, std::max(1, limit.burst / replicas)};
}

Permit GcraRateLimiter::Reserve(const std::string& key, const RateLimit& limit,
                                absl::Time latest) {
  const absl::Time now = clock_.Now();
  if (limit.unlimited()) return {true, now, false};
  // One call per `interval`; `tolerance` lets `burst` calls go at once.
  const absl::Duration interval = absl::Seconds(1) / limit.per_second;
  const absl::Duration tolerance = interval * (std::max(limit.burst, 1) - 1);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = tat_.try_emplace(key, now);
  const absl::Time tat = std::max(it->second, now);
  const absl::Time at = std::max(now, tat - tolerance);
  if (at > latest) return {false, at, false};
  it->second = tat + interval;
  return {true, at, false};
}

}  // namespace jumio_gateway::resilience
