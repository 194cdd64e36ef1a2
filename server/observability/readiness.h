// Whether this replica should receive traffic, from a set of named checks
// (configuration loaded, Jumio tokens obtainable, callback store reachable, not
// draining). The result feeds both the admin /readyz endpoint and the gRPC
// health "readiness" service, re-evaluated on an interval so that a probe never
// waits on a slow check.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_READINESS_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_READINESS_H_

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace jumio_gateway::observability {

class Readiness {
 public:
  using Check = std::function<absl::Status()>;
  // Told whenever the verdict changes (true: ready).
  using Listener = std::function<void(bool ready)>;

  Readiness() = default;
  ~Readiness();  // Stop()
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Before Start.
  void AddCheck(std::string name, Check check);
  void SetListener(Listener listener);

  // Evaluates now, then every `interval` on a background thread.
  void Start(absl::Duration interval);
  void Stop();

  // Runs every check now and records the verdict: OK, or UNAVAILABLE naming the
  // first failing check (its message is short and safe to serve: no secrets).
  absl::Status Evaluate();
  // The last verdict, without running checks.
  absl::Status Current() const;

 private:
  std::vector<std::pair<std::string, Check>> checks_;
  Listener listener_;
  mutable absl::Mutex mu_;
  absl::Status current_ ABSL_GUARDED_BY(mu_) =
      absl::UnavailableError("not evaluated yet");
  bool reported_ ABSL_GUARDED_BY(mu_) = false;
  bool last_ready_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_READINESS_H_
