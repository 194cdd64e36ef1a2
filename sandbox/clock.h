// Time source for the sandbox. Every expiry, rate limit and processing deadline
// reads the time through this interface so that tests can move time forward
// instead of waiting for it.
#ifndef JUMIO_GATEWAY_SANDBOX_CLOCK_H_
#define JUMIO_GATEWAY_SANDBOX_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace jumio::sandbox {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Wall-clock time plus an offset that only grows. The control endpoint advances
// it so that an integration test can make a token or session expire without
// waiting minutes.
class OffsetClock : public Clock {
 public:
  absl::Time Now() const override {
    return absl::Now() +
           absl::Nanoseconds(offset_ns_.load(std::memory_order_relaxed));
  }
  void Advance(absl::Duration d) {
    offset_ns_.fetch_add(absl::ToInt64Nanoseconds(d),
                         std::memory_order_relaxed);
  }
  absl::Duration offset() const { return absl::Nanoseconds(offset_ns_.load()); }

 private:
  std::atomic<int64_t> offset_ns_{0};
};

// Fully manual time for unit tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_ns_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override {
    return absl::FromUnixNanos(now_ns_.load());
  }
  void Advance(absl::Duration d) {
    now_ns_.fetch_add(absl::ToInt64Nanoseconds(d));
  }

 private:
  std::atomic<int64_t> now_ns_;
};

// Jumio's timestamp form, UTC with milliseconds: 2024-05-01T12:00:00.000Z.
inline std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_CLOCK_H_
