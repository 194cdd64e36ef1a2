// No result lost (issue 13): Jumio documents no callback retries, so a
// callback that does not reach the gateway (a restart, a network fault, an
// ingress mistake) would leave its caller waiting forever. The reconciler
// checks the retrieval status of every workflow execution the gateway started
// that has no terminal event yet, and writes the terminal status it finds
// into the callback log as an event with source RECONCILED, stored like a
// callback: deduplicated against Jumio's callback (before or after it) and
// against other replicas' reconcilers, and enriched.
//
// When it checks:
//   - after finalize, on `schedule` (Jumio's retrieval schedule by default:
//     40, 60, 100, 160, 240, 340, 460, 600, 760, 940 s after finalize), then
//     every (last - previous) delay while the execution stays unfinished
//     ("overdue");
//   - never finalized: at min(token lifetime, session timeout) + grace after
//     the start, then every `unfinalized_interval`, until Jumio reports
//     TOKEN_EXPIRED or SESSION_EXPIRED (or ACQUIRED: finalized elsewhere, e.g.
//     by the web client; the finalize schedule then applies).
// A NOT_FOUND status ends tracking (the execution or its account was deleted).
//
// Work is shared through the tracker's leases (ExecutionTracker::ClaimDue),
// at most `batch` executions per tick. Status checks go through the same
// JumioApi as the services, so the decorators below it (retries, breakers and
// the retrieval rate limiter) count them with the callers' calls.
#ifndef JUMIO_GATEWAY_SERVER_RECONCILE_RECONCILER_H_
#define JUMIO_GATEWAY_SERVER_RECONCILE_RECONCILER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/execution_tracker.h"
#include "server/core/clock.h"
#include "server/jumio/jumio_api.h"
#include "server/observability/logger.h"

namespace jumio_gateway::reconcile {

// What the services report about the workflow executions they start.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  // A create or update started `workflow_execution_id`.
  virtual void Started(const std::string& region, const std::string& account_id,
                       const std::string& workflow_execution_id,
                       int64_t workflow_key, absl::Duration token_lifetime) = 0;
  virtual void Finalized(const std::string& workflow_execution_id) = 0;
  virtual void Deleted(const std::string& workflow_execution_id) = 0;
};

struct ReconcileOptions {
  // reconcile_enabled: off, nothing is tracked or checked.
  bool enabled = true;
  // reconcile_schedule: delays after finalize of the status checks.
  std::vector<absl::Duration> schedule = {
      absl::Seconds(40),  absl::Seconds(60),  absl::Seconds(100),
      absl::Seconds(160), absl::Seconds(240), absl::Seconds(340),
      absl::Seconds(460), absl::Seconds(600), absl::Seconds(760),
      absl::Seconds(940)};
  // reconcile_session_timeout: Jumio's session timeout (15 minutes).
  absl::Duration session_timeout = absl::Minutes(15);
  // reconcile_expiry_grace: how long after an expiry to check for it.
  absl::Duration expiry_grace = absl::Minutes(1);
  // reconcile_unfinalized_interval: checks of never-finalized executions
  // after the first.
  absl::Duration unfinalized_interval = absl::Minutes(5);
  // reconcile_tick: how often the store is asked for due executions.
  absl::Duration tick = absl::Seconds(1);
  // reconcile_batch: most status checks per tick and replica.
  int batch = 50;
  // reconcile_lease: how long a claimed execution is this replica's; raised
  // to upstream_timeout + 10 s if shorter.
  absl::Duration lease = absl::Minutes(2);
  // From upstream_timeout: bounds each status check.
  absl::Duration upstream_timeout = absl::Seconds(30);
};

struct ReconcileStats {
  // Events written, by status (index: 0 PROCESSED, 1 SESSION_EXPIRED,
  // 2 TOKEN_EXPIRED).
  std::array<std::atomic<int64_t>, 3> reconciled{};
  // Terminal statuses found whose event was already stored (the callback
  // came, or another replica was first).
  std::atomic<int64_t> already_stored{0};
  std::atomic<int64_t> checks{0};
  std::atomic<int64_t> check_failures{0};
  // Starts or finalizes the tracker could not record.
  std::atomic<int64_t> track_failures{0};
};

// The index of `status` in ReconcileStats::reconciled, or -1.
int ReconciledIndex(::jumio::gateway::v1::WorkflowStatus status);
// Its label value: "PROCESSED", "SESSION_EXPIRED", "TOKEN_EXPIRED".
const char* ReconciledStatusName(int index);

// Stores a reconciled event (CallbackComponent::StoreReconciled).
using EventSink = std::function<absl::StatusOr<callbacks::AppendResult>(
    const ::jumio::gateway::v1::Callback&)>;

class Reconciler final : public ExecutionObserver {
 public:
  // Everything must outlive the reconciler; `logger` may be null.
  Reconciler(ReconcileOptions options, callbacks::ExecutionTracker* tracker,
             jumio::JumioApi* jumio, EventSink sink,
             observability::Logger* logger, const core::Clock& clock);
  ~Reconciler() override;  // Stop()

  void Start();
  void Stop();

  // One tick: claims the due executions (at most `batch`), checks them
  // concurrently and waits for the answers. Returns how many it checked.
  int RunOnce();

  void Started(const std::string& region, const std::string& account_id,
               const std::string& workflow_execution_id, int64_t workflow_key,
               absl::Duration token_lifetime) override;
  void Finalized(const std::string& workflow_execution_id) override;
  void Deleted(const std::string& workflow_execution_id) override;

  ReconcileStats& stats() { return stats_; }
  // Tracked executions and those overdue (finalized longer ago than the last
  // schedule delay).
  absl::StatusOr<callbacks::TrackerCounts> Counts();

  // When `execution` is next due after a check at `now` that found it not
  // terminal (its attempt already counts that check).
  absl::Time NextCheck(const callbacks::TrackedExecution& execution,
                       absl::Time now) const;

 private:
  void Loop();
  void Handle(
      callbacks::TrackedExecution execution,
      const absl::StatusOr<::jumio::gateway::v1::WorkflowExecutionSummary>&
          status,
      absl::Time now);
  void Warn(absl::string_view what, const absl::Status& status);

  const ReconcileOptions options_;
  callbacks::ExecutionTracker* const tracker_;
  jumio::JumioApi* const jumio_;
  const EventSink sink_;
  observability::Logger* const logger_;
  const core::Clock& clock_;
  ReconcileStats stats_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Parses a reconcile_schedule value: comma-separated durations ("40s,60s"),
// each positive, increasing.
absl::StatusOr<std::vector<absl::Duration>> ParseSchedule(
    absl::string_view text);
std::string FormatSchedule(const std::vector<absl::Duration>& schedule);

}  // namespace jumio_gateway::reconcile

#endif  // JUMIO_GATEWAY_SERVER_RECONCILE_RECONCILER_H_
