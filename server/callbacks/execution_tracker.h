// The workflow executions this gateway started and whose terminal status it
// has not stored yet, kept in the callback store (SQLite: its own table in the
// callback log's file; Redis: its own keys beside the log's) so that a result
// whose callback never came can still be found (server/reconcile).
//
// The store keeps, per execution, when it is next due for a status check.
// ClaimDue hands due executions out and moves their due time a lease ahead in
// the same atomic step, so replicas sharing the store never check the same
// execution at once, and an execution whose checker died is handed out again
// when the lease ends.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/retrieval.pb.h"
#include "server/callbacks/retention.h"

namespace jumio_gateway::callbacks {

// PROCESSED, SESSION_EXPIRED and TOKEN_EXPIRED: the statuses Jumio sends a
// callback for, after which nothing changes.
inline bool IsTerminal(::jumio::gateway::v1::WorkflowStatus status) {
  return status == ::jumio::gateway::v1::WORKFLOW_STATUS_PROCESSED ||
         status == ::jumio::gateway::v1::WORKFLOW_STATUS_SESSION_EXPIRED ||
         status == ::jumio::gateway::v1::WORKFLOW_STATUS_TOKEN_EXPIRED;
}

struct TrackedExecution {
  std::string workflow_execution_id;
  std::string region;  // region id, e.g. "emea-1"
  std::string account_id;
  int64_t workflow_key = 0;
  absl::Time started = absl::UnixEpoch();
  // InfinitePast until the gateway saw a finalize (or a status check saw
  // ACQUIRED).
  absl::Time finalized = absl::InfinitePast();
  // Jumio's token lifetime of the execution's account (its expiry is
  // started + token_lifetime when nothing is uploaded).
  absl::Duration token_lifetime = absl::Minutes(30);
  // The last status the gateway saw ("INITIATED", "ACQUIRED"...).
  std::string last_status;
  // Status checks done since finalize (the index into the schedule).
  int attempt = 0;
  // When it is due for a check.
  absl::Time next_check = absl::UnixEpoch();

  bool is_finalized() const { return finalized != absl::InfinitePast(); }
};

struct TrackerCounts {
  int64_t tracked = 0;
  // Finalized before `overdue_before` and still without a terminal status.
  int64_t overdue = 0;
};

class ExecutionTracker {
 public:
  virtual ~ExecutionTracker() = default;

  // Starts (or restarts, for an update that started a new one) tracking.
  virtual absl::Status Track(const TrackedExecution& execution) = 0;
  // Records the finalize and the first check after it (attempt 0). NOT_FOUND
  // when the execution is not tracked (nothing is created).
  virtual absl::Status MarkFinalized(absl::string_view workflow_execution_id,
                                     absl::Time finalized,
                                     absl::Time next_check) = 0;
  // Ends tracking (terminal status stored, or deleted). Unknown ids are fine.
  virtual absl::Status Untrack(absl::string_view workflow_execution_id) = 0;
  // At most `limit` executions due at `now`, oldest due first; each one's due
  // time becomes now + lease, atomically with handing it out.
  virtual absl::StatusOr<std::vector<TrackedExecution>> ClaimDue(
      absl::Time now, absl::Duration lease, int limit) = 0;
  // Stores what a check learnt (finalized, last_status, attempt, next_check
  // of `execution`), unless the execution was untracked meanwhile.
  virtual absl::Status Reschedule(const TrackedExecution& execution) = 0;
  virtual absl::StatusOr<TrackerCounts> Counts(absl::Time overdue_before) = 0;

  // Erasure (DeleteAccount; issue 17): ends tracking of every execution of
  // `account_id` and returns their ids. Idempotent.
  virtual absl::StatusOr<std::vector<std::string>> UntrackAccount(
      absl::string_view account_id) = 0;

  // Retention sweep (issue 17): ends tracking of executions started before
  // `started_before` (one that never reached a terminal status is otherwise
  // kept forever), at most `batch` per statement and `max_batches`
  // statements per call; returns how many went.
  virtual absl::StatusOr<int64_t> ApplyRetention(absl::Time started_before,
                                                 int batch,
                                                 int max_batches) = 0;
  // The earliest start among the tracked executions, for the retention
  // metric.
  virtual absl::StatusOr<OldestRecord> Oldest() = 0;
};

// The tracker in the store the callback log uses: store "sqlite" (a table in
// the file at `sqlite_path`) or "redis" (keys under "<redis_prefix>:exec").
struct TrackerStoreOptions {
  std::string store = "sqlite";
  std::string sqlite_path;
  std::string redis_address;
  std::string redis_prefix;
};
absl::StatusOr<std::unique_ptr<ExecutionTracker>> OpenExecutionTracker(
    const TrackerStoreOptions& options);

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_H_
