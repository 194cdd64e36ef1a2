// Where the gateway keeps AIP-155 request ids of CreateAccount/UpdateAccount
// (api/idempotency.h decides what goes in): in the callback store, so that
// every replica sees the same ids. SqliteRequestIdStore keeps them in the
// callback log's database file (one replica), RedisRequestIdStore in the
// callback log's Redis (several replicas); InMemoryRequestIdStore is for a
// gateway without a callback store, and for tests.
//
// A record is either pending (one replica, `owner`, has sent or is about to
// send the call; it bounds it by `lease_until`) or done (its `outcome`, opaque
// bytes, is the answer every retry gets). Records live `retention` from their
// Begin, then the key is free again.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_REQUEST_ID_STORE_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_REQUEST_ID_STORE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/callbacks/retention.h"
#include "server/core/clock.h"

namespace jumio_gateway::callbacks {

struct RequestIdRecord {
  enum class State { kPending = 0, kDone = 1 };
  State state = State::kPending;
  // A digest of the request (never the request itself: it may carry
  // references the caller considers confidential).
  std::string fingerprint;
  // The replica running the call (pending).
  std::string owner;
  // Pending: by then the owner has finished (or died); a record still
  // pending after it has an unknown outcome.
  absl::Time lease_until = absl::InfinitePast();
  // Done: what every call with this key is answered. Empty once erased.
  std::string outcome;
  // Done: the account the outcome is about (empty when none, or unknown),
  // so that DeleteAccount can erase it (ForgetSubject). Not secret: an id.
  std::string subject;

  bool operator==(const RequestIdRecord& o) const {
    return state == o.state && fingerprint == o.fingerprint &&
           owner == o.owner && lease_until == o.lease_until &&
           outcome == o.outcome && subject == o.subject;
  }
};

// One line, no space or newline in `owner`, `fingerprint` or `subject`,
// then `outcome`, any bytes (so that cutting a record after its first newline
// erases its outcome and nothing else). The form the Redis store keeps, shared
// so that every store round-trips a record alike.
std::string EncodeRequestIdRecord(const RequestIdRecord& record);
absl::optional<RequestIdRecord> DecodeRequestIdRecord(absl::string_view bytes);

class RequestIdStore {
 public:
  virtual ~RequestIdStore() = default;

  // Atomically across replicas: when no live record has `key`, stores
  // `record` (pending) and returns nullopt; otherwise returns the record the
  // key has, unchanged.
  virtual absl::StatusOr<absl::optional<RequestIdRecord>> Begin(
      absl::string_view key, const RequestIdRecord& record) = 0;
  // Replaces the record of `key` (the owner's outcome), keeping its expiry.
  virtual absl::Status Finish(absl::string_view key,
                              const RequestIdRecord& record) = 0;
  // Frees `key` if it is still pending under `owner` (nothing was sent).
  virtual absl::Status Release(absl::string_view key,
                               absl::string_view owner) = 0;
  virtual absl::StatusOr<absl::optional<RequestIdRecord>> Get(
      absl::string_view key) = 0;

  // Erasure (issue 17): empties the outcome of every done record whose
  // subject is `subject`. The records stay, empty, until their retention,
  // so that a retry cannot create again under the same id. Idempotent.
  virtual absl::Status ForgetSubject(absl::string_view subject) = 0;

  // Retention sweep (issue 17), run by the callback component's chores:
  // deletes records expired at the store's now, at most `batch` per
  // statement and `max_batches` statements per call, and returns how many
  // went (a call that returns batch * max_batches may have left some for the
  // next one). Stores whose records expire by themselves (Redis PX) delete
  // nothing here.
  virtual absl::StatusOr<int64_t> ApplyRetention(int /*batch*/,
                                                 int /*max_batches*/) {
    return 0;
  }
  // The oldest stored record, for the retention metric (an expired record
  // still stored counts: it is what the sweep has yet to delete).
  virtual absl::StatusOr<OldestRecord> Oldest() = 0;
};

// Per process: a retry that reaches another replica is not deduplicated.
class InMemoryRequestIdStore final : public RequestIdStore {
 public:
  // `clock` must outlive the store.
  InMemoryRequestIdStore(const core::Clock& clock, absl::Duration retention,
                         size_t max_entries = 100000);

  absl::StatusOr<absl::optional<RequestIdRecord>> Begin(
      absl::string_view key, const RequestIdRecord& record) override;
  absl::Status Finish(absl::string_view key,
                      const RequestIdRecord& record) override;
  absl::Status Release(absl::string_view key, absl::string_view owner) override;
  absl::StatusOr<absl::optional<RequestIdRecord>> Get(
      absl::string_view key) override;

  absl::Status ForgetSubject(absl::string_view subject) override;
  absl::StatusOr<int64_t> ApplyRetention(int batch, int max_batches) override;
  absl::StatusOr<OldestRecord> Oldest() override;

 private:
  struct Entry {
    RequestIdRecord record;
    absl::Time expires;
  };
  void EvictExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const core::Clock& clock_;
  const absl::Duration retention_;
  const size_t max_entries_;
  absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  // Expiry order, for cheap eviction.
  std::multimap<absl::Time, std::string> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_REQUEST_ID_STORE_H_
