// Token buckets keyed by region, tenant and endpoint class, mirroring Jumio's
// published limits (token 10/s, account create/update 1/s with short bursts,
// retrieval 15/s).
#ifndef JUMIO_GATEWAY_SANDBOX_RATELIMIT_H_
#define JUMIO_GATEWAY_SANDBOX_RATELIMIT_H_

#include <atomic>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/clock.h"

namespace jumio::sandbox {

struct RateLimit {
  double per_second = 0;
  double burst = 0;
};

class RateLimiter {
 public:
  RateLimiter(const Clock* clock, bool enabled)
      : clock_(clock), enabled_(enabled) {}
  // True when the request may proceed; consumes one token. When it may not
  // and `retry_after` is set, it gets the time until the next token.
  bool Allow(const std::string& key, RateLimit limit,
             absl::Duration* retry_after = nullptr);
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };
  const Clock* clock_;
  std::atomic<bool> enabled_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_RATELIMIT_H_
