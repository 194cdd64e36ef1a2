#include "server/resilience/circuit_breaker.h"

#include <utility>

namespace jumio_gateway::resilience {

CircuitBreaker::CircuitBreaker(const CircuitBreakerOptions& options,
                               const core::Clock& clock, OnState on_state)
    : options_(options), clock_(clock), on_state_(std::move(on_state)) {
  absl::MutexLock lock(&mu_);
  window_start_ = clock_.Now();
}

CircuitBreaker::State CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

bool CircuitBreaker::Allow(absl::Duration* retry_after) {
  bool allowed = false;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (state_ == State::kOpen && now >= opened_at_ + options_.open_for) {
      SetState(State::kHalfOpen);
    }
    switch (state_) {
      case State::kClosed:
        allowed = true;
        break;
      case State::kHalfOpen:
        allowed = probes_in_flight_ < options_.half_open_probes;
        if (allowed) {
          ++probes_in_flight_;
        } else if (retry_after != nullptr) {
          // A probe is out; its outcome decides soon.
          *retry_after = absl::Seconds(1);
        }
        break;
      case State::kOpen:
        if (retry_after != nullptr) {
          *retry_after = opened_at_ + options_.open_for - now;
        }
        break;
    }
  }
  return allowed;
}

void CircuitBreaker::RecordSuccess() {
  {
    absl::MutexLock lock(&mu_);
    if (state_ == State::kHalfOpen) {
      if (probes_in_flight_ > 0) --probes_in_flight_;
      if (++probe_successes_ >= options_.half_open_probes) {
        SetState(State::kClosed);
      }
    } else {
      AgeWindow(clock_.Now());
      consecutive_failures_ = 0;
      ++outcomes_;
    }
  }
}

void CircuitBreaker::RecordFailure() {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (state_ == State::kHalfOpen) {
      if (probes_in_flight_ > 0) --probes_in_flight_;
      opened_at_ = now;
      SetState(State::kOpen);
    } else if (state_ == State::kClosed) {
      AgeWindow(now);
      ++consecutive_failures_;
      ++outcomes_;
      ++failures_;
      if (consecutive_failures_ >= options_.consecutive_failures ||
          (outcomes_ >= options_.ratio_min_outcomes &&
           static_cast<double>(failures_) >=
               options_.failure_ratio * static_cast<double>(outcomes_))) {
        opened_at_ = now;
        SetState(State::kOpen);
      }
    }
    // Open: attempts let through before it opened; their outcome is old news.
  }
}

void CircuitBreaker::RecordIgnored() {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kHalfOpen && probes_in_flight_ > 0) --probes_in_flight_;
}

void CircuitBreaker::SetState(State state) {
  if (state_ == state) return;
  state_ = state;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  if (state == State::kClosed) ResetWindow();
  // Under the lock, so that a gauge sees the changes in their order.
  if (on_state_) on_state_(state);
}

void CircuitBreaker::ResetWindow() {
  consecutive_failures_ = 0;
  outcomes_ = 0;
  failures_ = 0;
  window_start_ = clock_.Now();
}

void CircuitBreaker::AgeWindow(absl::Time now) {
  if (now - window_start_ >= options_.window) {
    outcomes_ = 0;
    failures_ = 0;
    window_start_ = now;
  }
}

}  // namespace jumio_gateway::resilience
