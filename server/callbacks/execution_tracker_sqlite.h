// ExecutionTracker in the SQLite file of the callback log: its own table
// (tracked_executions) on its own connection. synchronous=NORMAL in WAL mode:
// a tracked execution survives a crash of the process (what the reconciler
// needs); power loss may drop the last writes, which then only means those
// executions depend on their callback, as without a reconciler.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_SQLITE_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_SQLITE_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/callbacks/execution_tracker.h"

namespace jumio_gateway::callbacks {

class SqliteExecutionTracker final : public ExecutionTracker {
 public:
  // Creates the table if needed.
  static absl::StatusOr<std::unique_ptr<SqliteExecutionTracker>> Open(
      const std::string& path);
  ~SqliteExecutionTracker() override;

  absl::Status Track(const TrackedExecution& execution) override;
  absl::Status MarkFinalized(absl::string_view workflow_execution_id,
                             absl::Time finalized,
                             absl::Time next_check) override;
  absl::Status Untrack(absl::string_view workflow_execution_id) override;
  absl::StatusOr<std::vector<TrackedExecution>> ClaimDue(absl::Time now,
                                                         absl::Duration lease,
                                                         int limit) override;
  absl::Status Reschedule(const TrackedExecution& execution) override;
  absl::StatusOr<TrackerCounts> Counts(absl::Time overdue_before) override;

  // Erasure.
  absl::StatusOr<std::vector<std::string>> UntrackAccount(
      absl::string_view account_id) override;
  absl::StatusOr<int64_t> ApplyRetention(absl::Time started_before, int batch,
                                         int max_batches) override;
  absl::StatusOr<OldestRecord> Oldest() override;

 private:
  SqliteExecutionTracker() = default;

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_SQLITE_H_
