// Time source for the sandbox. Every expiry, rate limit and processing deadline
// reads the time through this interface so that tests can move time forward
// instead of waiting for it.
#ifndef JUMIO_GATEWAY_SANDBOX_CLOCK_H_
#define JUMIO_GATEWAY_SANDBOX_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio::sandbox {

// The gateway's time source (server/core/clock.h); tests use
// tests/testing/fake_clock.h.
using Clock = ::jumio_gateway::core::Clock;

// Wall-clock time plus an offset that only grows. The control endpoint advances
// it so that an integration test can make a token or session expire without
// waiting minutes.
class OffsetClock final : public Clock {
 public:
  absl::Time Now() const override { return real_.Now() + offset(); }
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) const override {
    // An Advance while waiting is seen at the next wake-up.
    return real_.AwaitWithDeadline(mu, condition, deadline - offset());
  }
  void Advance(absl::Duration d) {
    offset_ns_.fetch_add(absl::ToInt64Nanoseconds(d),
                         std::memory_order_relaxed);
  }
  absl::Duration offset() const {
    return absl::Nanoseconds(offset_ns_.load(std::memory_order_relaxed));
  }

 private:
  const ::jumio_gateway::core::RealClock real_;
  std::atomic<int64_t> offset_ns_{0};
};

// Jumio's timestamp form, UTC with milliseconds: 2024-05-01T12:00:00.000Z.
inline std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_CLOCK_H_
