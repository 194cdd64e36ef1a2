// The embedded callback log: one SQLite file in WAL mode with
// synchronous=FULL, so a committed append survives power loss. Throughput
// comes from group commit: one writer thread takes every write waiting at that
// moment (appends, claims, acks, bindings) into one transaction and one fsync,
// then wakes each caller with its own result. Readers use their own
// connection and never wait for the writer (WAL).
//
// One process per file: appends made by another process are seen only by
// polling (WaitForNewer is woken by this process's commits).
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_LOG_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_LOG_H_

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/callbacks/callback_log.h"
#include "server/core/clock.h"

namespace jumio_gateway::callbacks {

class SqliteCallbackLog final : public CallbackLog {
 public:
  struct Options {
    std::string path;
    // Most writes in one transaction; bounds the latency one commit adds.
    int max_batch = 1024;
    // Must outlive the log.
    const core::Clock* clock = &core::SystemClock();
  };

  // Creates the file and schema if needed.
  static absl::StatusOr<std::unique_ptr<SqliteCallbackLog>> Open(
      Options options);
  ~SqliteCallbackLog() override;

  absl::StatusOr<AppendResult> Append(const v1::Callback& callback,
                                      absl::string_view dedup_key) override;
  absl::StatusOr<ReadResult> Read(absl::string_view after, int scan_limit,
                                  const Filter& filter) override;
  absl::StatusOr<std::string> HeadCursor() override;
  absl::StatusOr<std::string> WaitForNewer(absl::string_view after,
                                           absl::Duration timeout) override;
  absl::Status AttachEnrichment(
      absl::string_view cursor,
      const v1::CallbackEnrichment& enrichment) override;
  absl::Status EnsureSubscription(absl::string_view name,
                                  absl::string_view start_after) override;
  absl::StatusOr<Batch> Claim(absl::string_view name,
                              absl::string_view consumer, int max_outstanding,
                              absl::Duration ack_deadline,
                              const Filter& filter) override;
  absl::Status Acknowledge(absl::string_view name,
                           const std::vector<std::string>& cursors) override;
  absl::Status PutBinding(absl::string_view nonce,
                          const Binding& binding) override;
  absl::StatusOr<absl::optional<Binding>> GetBinding(
      absl::string_view nonce) override;
  absl::StatusOr<RetentionResult> ApplyRetention(
      absl::Duration retention, absl::Duration binding_retention,
      const RetentionLimits& limits) override;
  absl::StatusOr<OldestRecord> Oldest(RecordKind kind) override;

  // Erasure: secure_delete is on for the log's connections, and the WAL is
  // checkpointed (TRUNCATE) after the erasing commit.
  absl::StatusOr<std::vector<std::string>> Erase(
      absl::string_view account_id,
      absl::string_view workflow_execution_id) override;
  absl::Status PutErasureIntent(const ErasureIntent& intent) override;
  absl::Status DeleteErasureIntent(const ErasureIntent& intent) override;
  absl::StatusOr<std::vector<ErasureIntent>> ErasureIntents(int limit) override;

  // Commits so far and writes they carried (group commit efficiency).
  int64_t commits() const { return commits_.load(); }
  int64_t writes() const { return writes_.load(); }

 private:
  using Job = std::function<absl::Status(sqlite3*)>;
  struct PendingWrite {
    Job job;
    absl::Status result;
    bool done = false;
  };

  explicit SqliteCallbackLog(Options options) : options_(std::move(options)) {}
  absl::Status Init();
  // Runs `job` inside the next group transaction and waits for its commit.
  absl::Status Write(Job job);
  void WriterLoop();
  int64_t Head();

  const Options options_;
  sqlite3* writer_db_ = nullptr;  // writer thread only
  absl::Mutex reader_mu_;
  sqlite3* reader_db_ ABSL_GUARDED_BY(reader_mu_) = nullptr;

  absl::Mutex mu_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;

  absl::Mutex head_mu_;
  int64_t head_ ABSL_GUARDED_BY(head_mu_) = 0;

  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> writes_{0};

  // Set by an erasing write or a retention batch that deleted: makes the
  // writer checkpoint the WAL (TRUNCATE) after its commit.
  std::atomic<bool> checkpoint_wanted_{false};
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_SQLITE_LOG_H_
