#include "server/observability/readiness.h"

#include "absl/strings/str_cat.h"

namespace jumio_gateway::observability {

Readiness::~Readiness() { Stop(); }

void Readiness::AddCheck(std::string name, Check check) {
  checks_.emplace_back(std::move(name), std::move(check));
}

void Readiness::SetListener(Listener listener) {
  listener_ = std::move(listener);
}

absl::Status Readiness::Evaluate() {
  absl::Status verdict = absl::OkStatus();
  for (const auto& [name, check] : checks_) {
    absl::Status status = check();
    if (!status.ok()) {
      verdict =
          absl::UnavailableError(absl::StrCat(name, ": ", status.message()));
      break;
    }
  }
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = !reported_ || last_ready_ != verdict.ok();
    reported_ = true;
    last_ready_ = verdict.ok();
    current_ = verdict;
  }
  if (changed && listener_) listener_(verdict.ok());
  return verdict;
}

absl::Status Readiness::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void Readiness::Start(absl::Duration interval) {
  Evaluate().IgnoreError();  // the verdict is kept in current_
  thread_ = std::thread([this, interval] {
    // Waiting on the stop notification doubles as the interval timer, so Stop
    // never waits out a whole interval.
    while (!stop_.WaitForNotificationWithTimeout(interval)) {
      Evaluate().IgnoreError();
    }
  });
}

void Readiness::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace jumio_gateway::observability
