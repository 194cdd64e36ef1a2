// One JumioApi call's answer as a test sees it: the callback to pass to the
// decorator under test, and a bounded wait for what it delivered (a broken
// decorator that never answers fails the test instead of hanging it).
#ifndef JUMIO_GATEWAY_TESTS_TESTING_JUMIO_ANSWER_H_
#define JUMIO_GATEWAY_TESTS_TESTING_JUMIO_ANSWER_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/jumio/jumio_api.h"

namespace jumio_gateway::testing {

template <typename T>
class JumioAnswer {
 public:
  jumio::JumioApi::Done<T> Done() {
    return [this](absl::StatusOr<T> result) {
      absl::MutexLock lock(&mu_);
      result_ = std::move(result);
    };
  }
  // For the operations that answer a bare status: OK becomes T{}.
  jumio::JumioApi::DoneStatus DoneStatus() {
    return [this](absl::Status status) {
      absl::MutexLock lock(&mu_);
      result_ =
          status.ok() ? absl::StatusOr<T>(T{}) : absl::StatusOr<T>(status);
    };
  }
  // Waits at most `timeout` for the answer; INTERNAL "no answer" after it.
  absl::StatusOr<T> Get(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto ready = [this] { return result_.has_value(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
      return absl::InternalError("no answer");
    }
    return *result_;
  }
  bool Answered() {
    absl::MutexLock lock(&mu_);
    return result_.has_value();
  }

 private:
  absl::Mutex mu_;
  absl::optional<absl::StatusOr<T>> result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_JUMIO_ANSWER_H_
