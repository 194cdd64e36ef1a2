// The durable callback log: the one place a received callback lives. The
// receiver answers Jumio 200 only after Append returned OK, because Jumio does
// not retry: whatever the log has not made durable is lost for good.
//
// Implementations: SqliteCallbackLog (embedded default, one replica) and
// RedisCallbackLog (Redis Streams, shared by several replicas). Cursors are
// opaque strings that increase in storage order; only the log compares them.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_CALLBACK_LOG_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_CALLBACK_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "jumio/gateway/v1/callback.pb.h"
#include "server/callbacks/filter.h"
#include "server/callbacks/retention.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;

// How much one retention pass may do: at most `max_batches` short
// statements (or Redis commands) of `batch` records per kind, so that a pass
// after a long outage never holds the store for long; the rest waits for the
// next pass.
struct RetentionLimits {
  int batch = 500;
  int max_batches = 20;
};

// What one retention pass removed.
struct RetentionResult {
  int64_t callbacks = 0;
  int64_t subscriptions = 0;
  int64_t bindings = 0;
};

struct AppendResult {
  // Cursor of the stored callback (of the first copy for a duplicate).
  std::string cursor;
  // True when a callback with the same dedup key was already stored; nothing
  // new was written.
  bool duplicate = false;
};

// A stored entry that cannot be decoded (old data, corruption, a future
// format). Logs never skip one silently: they return it with the callbacks
// around it, and the feed lists it, streams it and counts it.
struct UnreadableEntry {
  // Cursor, receive time when the store knows it, and reason.
  v1::UnreadableCallback entry;
  // How many of the batch's `callbacks` precede it in cursor order, so that
  // readers can put the two back in log order without comparing cursors.
  size_t position = 0;
};

// Callbacks and unreadable entries of one read or claim.
struct Batch {
  // Matching callbacks in cursor order, cursor and stored enrichment set.
  std::vector<v1::Callback> callbacks;
  // Entries that could not be decoded, in cursor order. They are returned
  // whatever the filter (their fields are unknown) except for its time
  // range when the store knows their receive time.
  std::vector<UnreadableEntry> unreadable;

  bool empty() const { return callbacks.empty() && unreadable.empty(); }
};

struct ReadResult : Batch {
  // The newest cursor examined (matching or not); empty when nothing was
  // examined. Resuming after it skips nothing that matches.
  std::string scanned_cursor;
  // How many callbacks were examined (< scan_limit: the end was reached).
  int scanned = 0;
};

// What the callback URL token of a newly created account is bound to; written
// once the account id is known (see token.h).
struct Binding {
  v1::Region region = v1::REGION_UNSPECIFIED;
  std::string account_id;
};

// An erasure the gateway has begun (CallbackLog::PutErasureIntent): ids only.
struct ErasureIntent {
  std::string region;  // region id, e.g. "emea-1"
  std::string account_id;
  std::string workflow_execution_id;  // empty: the whole account
  // The store's key of the intent.
  std::string Key() const {
    return region + "/" + account_id + "/" + workflow_execution_id;
  }
};

class CallbackLog {
 public:
  virtual ~CallbackLog() = default;

  // Stores `callback` (its cursor field is ignored) durably, unless a callback
  // with the same `dedup_key` is already stored. OK means it survives a crash
  // of this process and of the machine (fsync'd / appendfsync always).
  virtual absl::StatusOr<AppendResult> Append(const v1::Callback& callback,
                                              absl::string_view dedup_key) = 0;

  // Examines at most `scan_limit` callbacks stored after `after` (empty: from
  // the oldest retained) and returns those matching `filter`. OUT_OF_RANGE
  // (CURSOR_EXPIRED) when `after` points before the retained log.
  virtual absl::StatusOr<ReadResult> Read(absl::string_view after,
                                          int scan_limit,
                                          const Filter& filter) = 0;

  // The newest stored cursor; empty when the log is empty.
  virtual absl::StatusOr<std::string> HeadCursor() = 0;

  // Blocks until a callback newer than `after` exists or `timeout` passes;
  // returns the newest cursor either way. Sees appends of other replicas for
  // shared stores.
  virtual absl::StatusOr<std::string> WaitForNewer(absl::string_view after,
                                                   absl::Duration timeout) = 0;

  // Attaches the enrichment to a stored callback; later reads carry it.
  virtual absl::Status AttachEnrichment(
      absl::string_view cursor, const v1::CallbackEnrichment& enrichment) = 0;

  // Named subscriptions (consumer groups). Creates `name` positioned after
  // `start_after` (empty: before the oldest) unless it exists; touching an
  // existing one only marks it active.
  virtual absl::Status EnsureSubscription(absl::string_view name,
                                          absl::string_view start_after) = 0;
  // Delivers to `consumer` (one stream) callbacks whose previous delivery's
  // ack deadline passed, then new ones, so that `consumer` holds at most
  // `max_outstanding` unacknowledged callbacks. New callbacks not matching
  // `filter` count as acknowledged. Every returned callback is pending until
  // acknowledged or `ack_deadline` passes.
  // Unreadable entries are claimed like callbacks (pending until
  // acknowledged).
  virtual absl::StatusOr<Batch> Claim(absl::string_view name,
                                      absl::string_view consumer,
                                      int max_outstanding,
                                      absl::Duration ack_deadline,
                                      const Filter& filter) = 0;
  // NOT_FOUND if the subscription does not exist; unknown cursors are fine.
  virtual absl::Status Acknowledge(absl::string_view name,
                                   const std::vector<std::string>& cursors) = 0;

  // Token bindings (token.h): nonce -> account, visible to every replica.
  virtual absl::Status PutBinding(absl::string_view nonce,
                                  const Binding& binding) = 0;
  virtual absl::StatusOr<absl::optional<Binding>> GetBinding(
      absl::string_view nonce) = 0;

  // One bounded pass (`limits`) of the retention sweep: drops callbacks
  // received before now - retention, oldest first and always a prefix of the
  // log (cursors before the newest dropped one become CURSOR_EXPIRED),
  // subscriptions idle for `retention`, and token bindings older than
  // binding_retention. Whatever is left over goes in the next pass. A store
  // that expires bindings by itself (Redis: each binding key's TTL, set at
  // PutBinding from the same callback_binding_retention setting) does not
  // sweep them and reports them swept=false in Oldest.
  virtual absl::StatusOr<RetentionResult> ApplyRetention(
      absl::Duration retention, absl::Duration binding_retention,
      const RetentionLimits& limits) = 0;
  // The oldest stored record of `kind` (kCallbacks or kBindings; any other
  // kind is INVALID_ARGUMENT), for the retention metric.
  virtual absl::StatusOr<OldestRecord> Oldest(RecordKind kind) = 0;

  // Erasure (DeleteAccount, DeleteWorkflowExecution; issue 17).
  // Erases every stored callback of `account_id` (only those of
  // `workflow_execution_id` when it is not empty), with its enrichment and
  // the subscriptions' pending entries pointing at it and, for a whole
  // account, its token bindings. DELETED events (source
  // CALLBACK_SOURCE_DELETED) are kept: they are what subscribers see of the
  // erasure. Returns the distinct workflow execution ids whose callbacks were
  // erased. Idempotent: erasing again erases nothing and is OK. The bytes
  // leave the store's files too (SQLite: secure_delete, then a WAL checkpoint
  // that truncates the WAL).
  virtual absl::StatusOr<std::vector<std::string>> Erase(
      absl::string_view account_id,
      absl::string_view workflow_execution_id) = 0;

  // Erasure intents: recorded durably before the delete is sent to Jumio,
  // removed once the erasure is complete, so that a gateway killed in
  // between finishes it after a restart (re-sending the delete: a 404 counts
  // as done). Putting an existing intent again is OK.
  virtual absl::Status PutErasureIntent(const ErasureIntent& intent) = 0;
  virtual absl::Status DeleteErasureIntent(const ErasureIntent& intent) = 0;
  // Every unfinished intent, oldest first (at most `limit`).
  virtual absl::StatusOr<std::vector<ErasureIntent>> ErasureIntents(
      int limit) = 0;
};

// The dedup key of a callback: Jumio may send the same notification twice,
// and a workflow execution reaches each status at most once.
std::string DedupKey(const v1::Callback& callback);

// Decodes a stored callback (the bytes Append serialized). False, with the
// reason for UnreadableCallback.reason, when they are not one: protobuf
// refuses them (corruption, invalid UTF-8 written by an older gateway,
// nesting beyond protobuf's limit) or there are none.
bool DecodeStoredCallback(absl::string_view data, v1::Callback* out,
                          std::string* reason);

// Reasons of UnreadableCallback, shared by the stores.
inline constexpr char kUndecodableReason[] =
    "stored data is not a Callback this gateway can decode";
// True when `callback` belongs to `account_id` (and to
// `workflow_execution_id` when it is not empty) and is not itself a DELETED
// event: what CallbackLog::Erase erases.
bool IsErasable(const v1::Callback& callback, absl::string_view account_id,
                absl::string_view workflow_execution_id);

// The DELETED event of one workflow execution (empty id: of the account):
// the ids only, raw_status "DELETED", source CALLBACK_SOURCE_DELETED.
v1::Callback DeletedEvent(v1::Region region, absl::string_view account_id,
                          absl::string_view workflow_execution_id);

inline constexpr char kMissingDataReason[] =
    "stored entry has no callback data";

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_CALLBACK_LOG_H_
