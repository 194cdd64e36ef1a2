// Stops sending to a host that keeps failing, for a while, so that callers
// fail at once instead of waiting for their deadline and the host gets room to
// recover; then lets a few probes through and closes when they succeed.
#ifndef JUMIO_GATEWAY_SERVER_RESILIENCE_CIRCUIT_BREAKER_H_
#define JUMIO_GATEWAY_SERVER_RESILIENCE_CIRCUIT_BREAKER_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::resilience {

struct CircuitBreakerOptions {
  // Opens after this many failures in a row (at a 25% fault rate, 10 in a
  // row happen about once in a million attempts; a dead host fails 10 in a
  // row at once) ...
  int consecutive_failures = 10;
  // ... or when at least this share of the window's outcomes failed, once
  // the window holds `ratio_min_outcomes` of them.
  double failure_ratio = 0.5;
  int ratio_min_outcomes = 20;
  absl::Duration window = absl::Seconds(10);
  // How long it stays open before probing.
  absl::Duration open_for = absl::Seconds(5);
  // Probes in flight at once while half-open; that many successes close it.
  int half_open_probes = 1;
};

class CircuitBreaker {
 public:
  enum class State { kClosed = 0, kHalfOpen = 1, kOpen = 2 };
  // Told about every change of state, under the breaker's lock: it must be
  // quick and must not call the breaker.
  using OnState = std::function<void(State)>;

  // `clock` must outlive this.
  CircuitBreaker(const CircuitBreakerOptions& options, const core::Clock& clock,
                 OnState on_state = nullptr);

  // Whether an attempt may be sent now. When it may, exactly one of
  // RecordSuccess, RecordFailure or RecordIgnored must follow for it. When
  // it may not, `retry_after` (if set) gets the time until the next probe.
  bool Allow(absl::Duration* retry_after = nullptr);
  // The host answered (any answer that says it works, 4xx included).
  void RecordSuccess();
  // The host failed (no answer, 5xx, timeout).
  void RecordFailure();
  // The attempt says nothing about the host (cancelled by the caller).
  void RecordIgnored();

  State state() const;

 private:
  void SetState(State state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResetWindow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AgeWindow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CircuitBreakerOptions options_;
  const core::Clock& clock_;
  const OnState on_state_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  // Outcomes of the current window (a tumbling window: simple, and a ratio
  // over a few seconds needs no finer history).
  absl::Time window_start_ ABSL_GUARDED_BY(mu_);
  int64_t outcomes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time opened_at_ ABSL_GUARDED_BY(mu_);
  int probes_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int probe_successes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace jumio_gateway::resilience

#endif  // JUMIO_GATEWAY_SERVER_RESILIENCE_CIRCUIT_BREAKER_H_
