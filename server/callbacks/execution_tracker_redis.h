// ExecutionTracker on the callback log's Redis server, shared by every
// replica: a hash per execution ("<prefix>:exec:<id>"), a sorted set of due
// times ("<prefix>:exec-due", the lease: ClaimDue moves a claimed execution's
// score a lease ahead in the same Lua script that hands it out) and one of
// finalize times ("<prefix>:exec-finalized", for the overdue count), and one
// of start times ("<prefix>:exec-started", for the retention sweep; an
// execution tracked before that set existed is added to it by the first
// retention passes, which walk "<prefix>:exec-due" with ZSCAN until
// "<prefix>:exec-started-complete" says the walk is done).
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_REDIS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_REDIS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/callbacks/execution_tracker.h"

struct redisContext;
struct redisReply;

namespace jumio_gateway::callbacks {

class RedisExecutionTracker final : public ExecutionTracker {
 public:
  // `address`: "host:port" or "unix:/path". Fails when Redis does not answer.
  static absl::StatusOr<std::unique_ptr<RedisExecutionTracker>> Open(
      const std::string& address, const std::string& prefix);
  ~RedisExecutionTracker() override;

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
  RedisExecutionTracker(std::string address, std::string prefix)
      : address_(std::move(address)), prefix_(std::move(prefix)) {}
  // Runs one command; the reply is freed by the caller's `use`.
  absl::Status Run(const std::vector<std::string>& args,
                   const std::function<absl::Status(const redisReply*)>& use);

  const std::string address_;
  const std::string prefix_;
  // Where the walk adding older executions to exec-started is (ApplyRetention).
  absl::Mutex migrate_mu_;
  std::string migrate_cursor_ ABSL_GUARDED_BY(migrate_mu_) = "0";
  absl::Mutex mu_;
  redisContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_EXECUTION_TRACKER_REDIS_H_
