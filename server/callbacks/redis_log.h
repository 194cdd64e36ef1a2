// The callback log on Redis Streams, for several gateway replicas sharing
// one log: XADD (through a Lua script that also records the dedup key, so
// dedup and append are atomic), XRANGE for cursors, XREAD BLOCK to notice
// appends made by other replicas, consumer groups (XREADGROUP, XACK,
// XAUTOCLAIM) for named subscriptions. Cursors are stream ids.
//
// Durability is the server's: run redis-server with appendonly yes and
// appendfsync always (Redis then fsyncs before it replies, batching
// concurrent writes), otherwise a 200 to Jumio is only as durable as Redis's
// configuration. fsync_always() reports what the server said at Open.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_LOG_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_LOG_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/callbacks/callback_log.h"
#include "server/core/clock.h"

struct redisContext;
struct redisReply;

namespace jumio_gateway::callbacks {

class RedisCallbackLog final : public CallbackLog {
 public:
  struct Options {
    // "host:port" or "unix:/path/to/socket".
    std::string address = "127.0.0.1:6379";
    // Every key starts with "<prefix>:", so deployments can share a server.
    std::string prefix = "jumio-gateway";
    absl::Duration connect_timeout = absl::Seconds(2);
    absl::Duration command_timeout = absl::Seconds(10);
    // How long dedup keys and enrichments live (as long as callbacks).
    absl::Duration retention = absl::Hours(24 * 7);
    absl::Duration binding_retention = absl::Hours(24 * 90);
    // Must outlive the log.
    const core::Clock* clock = &core::SystemClock();
  };

  static absl::StatusOr<std::unique_ptr<RedisCallbackLog>> Open(
      Options options);
  ~RedisCallbackLog() override;

  bool fsync_always() const { return fsync_always_; }

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

  // Erasure: XDEL of the entries (and XACK in every group), DEL of their
  // enrichment and dedup keys, and of the account's binding keys (SCAN).
  absl::StatusOr<std::vector<std::string>> Erase(
      absl::string_view account_id,
      absl::string_view workflow_execution_id) override;
  absl::Status PutErasureIntent(const ErasureIntent& intent) override;
  absl::Status DeleteErasureIntent(const ErasureIntent& intent) override;
  absl::StatusOr<std::vector<ErasureIntent>> ErasureIntents(int limit) override;

  // One command on the log's connections, for a store that shares this
  // Redis under its own keys (redis_request_ids.h): a string or integer reply
  // as text, nullopt for nil; an error or another reply type is UNAVAILABLE.
  absl::StatusOr<absl::optional<std::string>> TextCommand(
      const std::vector<std::string>& args);
  // Every key of this deployment starts with "<prefix>:".
  const std::string& prefix() const { return options_.prefix; }

  // A reply, owned (see redis_log.cc).
  struct Reply;

 private:
  explicit RedisCallbackLog(Options options) : options_(std::move(options)) {}

  absl::StatusOr<redisContext*> Acquire();
  void Release(redisContext* c, bool healthy);
  absl::StatusOr<std::shared_ptr<Reply>> Command(
      const std::vector<std::string>& args);
  std::string Key(absl::string_view suffix) const;
  absl::Status CheckNotExpired(absl::string_view after);
  // Decodes stream entries into `out` (callbacks matching `filter` and
  // unreadable entries, in log order). Cursors of callbacks `filter` refused
  // go to `filtered_out` when not null. `enrichments` are the entries'
  // enrichment values when the caller fetched them already (else nullptr).
  absl::Status DecodeEntries(const redisReply* entries,
                             const redisReply* enrichments,
                             const Filter& filter, Batch* out,
                             std::vector<std::string>* filtered_out);

  const Options options_;
  bool fsync_always_ = false;
  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  // Where the retention sweep's HSCAN of the subscriptions is.
  absl::Mutex subs_scan_mu_;
  std::string subs_scan_cursor_ ABSL_GUARDED_BY(subs_scan_mu_) = "0";
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_LOG_H_
