#include "sandbox/ratelimit.h"

#include <algorithm>

namespace jumio::sandbox {

bool RateLimiter::Allow(const std::string& key, RateLimit limit,
                        absl::Duration* retry_after) {
  if (!enabled_) return true;
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = limit.burst;
  } else {
    b.tokens =
        std::min(limit.burst, b.tokens + absl::ToDoubleSeconds(now - b.last) *
                                             limit.per_second);
  }
  b.last = now;
  if (b.tokens < 1.0) {
    if (retry_after != nullptr) {
      *retry_after = absl::Seconds((1.0 - b.tokens) / limit.per_second);
    }
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

}  // namespace jumio::sandbox
