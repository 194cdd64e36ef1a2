// Request ids in the callback log's SQLite file, table `request_ids`, on a
// connection of their own (WAL, synchronous=FULL: a record is on disk before
// the call is sent, and an outcome before a retry can read it). SQLite's file
// lock makes Begin atomic; one gateway process per file, as for the log.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_REQUEST_IDS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_REQUEST_IDS_H_

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/callbacks/request_id_store.h"
#include "server/core/clock.h"

namespace jumio_gateway::callbacks {

class SqliteRequestIdStore final : public RequestIdStore {
 public:
  struct Options {
    std::string path;  // callback_sqlite_path
    // Expired records are never read; ApplyRetention (the callback
    // component's chores) deletes them, in bounded batches.
    absl::Duration retention = absl::Hours(24);
    // Must outlive the store.
    const core::Clock* clock = &core::SystemClock();
  };

  // Creates the table if needed (next to the callback log's).
  static absl::StatusOr<std::unique_ptr<SqliteRequestIdStore>> Open(
      Options options);
  ~SqliteRequestIdStore() override;

  absl::StatusOr<absl::optional<RequestIdRecord>> Begin(
      absl::string_view key, const RequestIdRecord& record) override;
  absl::Status Finish(absl::string_view key,
                      const RequestIdRecord& record) override;
  absl::Status Release(absl::string_view key, absl::string_view owner) override;
  absl::StatusOr<absl::optional<RequestIdRecord>> Get(
      absl::string_view key) override;

  absl::Status ForgetSubject(absl::string_view subject) override;
  // One short write transaction per batch, so a Begin waits for one batch at
  // most.
  absl::StatusOr<int64_t> ApplyRetention(int batch, int max_batches) override;
  absl::StatusOr<OldestRecord> Oldest() override;

 private:
  explicit SqliteRequestIdStore(Options options)
      : options_(std::move(options)) {}
  absl::StatusOr<absl::optional<RequestIdRecord>> Lookup(absl::string_view key,
                                                         absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_REQUEST_IDS_H_
