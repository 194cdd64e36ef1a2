#include "server/callbacks/execution_tracker.h"

#include "absl/strings/str_cat.h"
#include "server/callbacks/execution_tracker_redis.h"
#include "server/callbacks/execution_tracker_sqlite.h"

namespace jumio_gateway::callbacks {

absl::StatusOr<std::unique_ptr<ExecutionTracker>> OpenExecutionTracker(
    const TrackerStoreOptions& options) {
  if (options.store == "sqlite") {
    absl::StatusOr<std::unique_ptr<SqliteExecutionTracker>> t =
        SqliteExecutionTracker::Open(options.sqlite_path);
    if (!t.ok()) return t.status();
    return std::unique_ptr<ExecutionTracker>(*std::move(t));
  }
  if (options.store == "redis") {
    absl::StatusOr<std::unique_ptr<RedisExecutionTracker>> t =
        RedisExecutionTracker::Open(options.redis_address,
                                    options.redis_prefix);
    if (!t.ok()) return t.status();
    return std::unique_ptr<ExecutionTracker>(*std::move(t));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "callback_store must be sqlite or redis, not ", options.store));
}

}  // namespace jumio_gateway::callbacks
