// AIP-155 request ids for CreateAccount and UpdateAccount. Jumio has no
// idempotency key and creates a new account (or workflow execution) on every
// POST/PUT, and offers no lookup that would find the account a lost answer
// created (001/002: accounts are read by id only). So the gateway makes the
// call at most once per request id and keeps its outcome in the callback
// store (callbacks/request_id_store.h: SQLite for one replica, Redis for
// several), where any replica answers a retry:
//
// - Begin records the id as pending, durably, before anything is sent. The
//   call then runs to completion whatever happens to the caller: its deadline
//   and cancellation do not reach it, only its own bound (the gateway's
//   upstream timeout; the record's lease is that bound plus a margin).
// - Every call with the id waits for the outcome within its own deadline, on
//   callbacks and timers (no thread waits): on this replica it is woken by
//   Finish, a retry on another replica polls the store. A waiter whose
//   deadline comes first is answered ABORTED / REQUEST_IN_PROGRESS with
//   RetryInfo: the call goes on, and a retry with the same id gets its result.
// - The same id with another request body is ALREADY_EXISTS /
//   REQUEST_ID_REUSED.
//
// The outcome rule (what Finish keeps):
// - an answer (the serialized response): kept, every retry gets it;
// - nothing was sent, or Jumio answered that it did nothing (the transport's
//   RequestNotSent, the gateway's own refusals CIRCUIT_OPEN,
//   UPSTREAM_OVERLOADED and UPSTREAM_RATE_LIMITED, HTTP 401, 429 and 503, a
//   token that could not be had): the id is released and the error passed on,
//   so a retry with the same id sends again;
// - any other HTTP 4xx is definitive: the error is kept and replayed;
// - everything else is ambiguous, because the request may have reached Jumio
//   and created the account: the gateway's timeout after sending, a reset or
//   cut answer, 500/502/504, an unreadable 2xx, a transfer cancelled by
//   shutdown, and a pending record whose lease ran out (its replica died).
//   The id is then held, never recorded as "not sent": every call with it is
//   answered ABORTED / REQUEST_OUTCOME_UNKNOWN, without RetryInfo, until the
//   retention ends. The caller must check its own records (for example by the
//   customer_internal_reference it sent) before it creates again under a new
//   request_id. This trades a possible stuck id for never billing a
//   duplicate.
// - A created account whose callback token could not be bound: the Bind
//   error is kept (with the account's id in its ErrorInfo metadata), since
//   the account exists and must not be created again.
//
// Secrets at rest (issue 17): a kept outcome holds bearer credentials (the
// web-client link's token, the SDK token, the credentials' API tokens), so it
// is stored sealed (crypto/sealer.h, AES-256-GCM) under the storage keyring,
// bound to its key: the store only ever holds the sealed blob. An outcome that
// does not open (sealed under a key this process does not hold, tampered with,
// moved from another record, or stored unsealed by an older gateway) is never
// replayed: it is answered ABORTED / REQUEST_OUTCOME_UNKNOWN, like any
// outcome the gateway cannot know, and nothing is sent again under the id.
#ifndef JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_
#define JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/callbacks/request_id_store.h"
#include "server/core/clock.h"
#include "server/core/timer.h"
#include "server/crypto/sealer.h"

namespace jumio_gateway::api {

class RequestIds {
 public:
  struct Options {
    // This process among the replicas sharing the store; no spaces. Empty:
    // host name, pid and a random suffix.
    std::string replica;
    // A pending record's lease is the call's bound plus this.
    absl::Duration lease_margin = absl::Seconds(10);
    // How often a retry on another replica reads the store.
    absl::Duration poll_interval = absl::Milliseconds(100);
    // A waiter is answered REQUEST_IN_PROGRESS this long before its
    // deadline, so that the answer reaches it in time.
    absl::Duration answer_margin = absl::Milliseconds(100);
    // RetryInfo of REQUEST_IN_PROGRESS.
    absl::Duration in_progress_retry_delay = absl::Seconds(1);
    // Seals kept outcomes (storage_key_files). Null: a random key of this
    // process only.
    std::shared_ptr<const crypto::Keyring> keyring;
  };

  // A call's result: the serialized response, or the error to answer.
  using Answer = absl::AnyInvocable<void(absl::StatusOr<std::string>) &&>;

  // One call waiting for an id's outcome.
  class Waiter {
   public:
    explicit Waiter(Answer answer) : answer_(std::move(answer)) {}
    // Answers CANCELLED unless answered already (the RPC's OnCancel).
    void Cancel();
    // Calls the answer unless it was called already.
    void Deliver(absl::StatusOr<std::string> result);

   private:
    absl::Mutex mu_;
    Answer answer_ ABSL_GUARDED_BY(mu_);
    bool answered_ ABSL_GUARDED_BY(mu_) = false;
  };

  struct Begun {
    // The caller owns the call: it sends it, bounded by `call_bound` and not
    // by the RPC, and ends with Finish. Otherwise it sends nothing.
    bool run = false;
    // Answered once, possibly before Begin returns.
    std::shared_ptr<Waiter> waiter;
  };

  // `store` and `clock` must outlive this.
  RequestIds(callbacks::RequestIdStore* store, const core::Clock& clock,
             Options options);
  ~RequestIds();

  // `key` names the RPC and the request id; `request` is the request's
  // deterministic bytes (only a digest is stored); `deadline` is the
  // caller's; `call_bound` bounds the call if this caller runs it.
  Begun Begin(const std::string& key, const std::string& request,
              absl::Time deadline, absl::Duration call_bound, Answer answer);
  // The owner's result (the response bytes, or the call's error), kept and
  // answered to every waiter per the rule above. `subject`: the account the
  // response is about, so that its deletion erases the kept response
  // (RequestIdStore::ForgetSubject); a call with the id after that is
  // answered NOT_FOUND.
  void Finish(const std::string& key, absl::StatusOr<std::string> result,
              const std::string& subject = "");

  // The rule's verdict on a failed call.
  enum class Failure { kNotSent, kDefinitive, kUnknown };
  static Failure Classify(const absl::Status& status);
  static absl::Status OutcomeUnknown();
  // The associated data that binds a sealed outcome to `key`.
  static std::string OutcomeAad(const std::string& key);

  const std::string& replica() const { return options_.replica; }
  // Waits until `count` calls wait on `key` on this replica, or `timeout`
  // passed; true if they do (for tests that need a retry to be waiting).
  bool AwaitWaiters(const std::string& key, size_t count,
                    absl::Duration timeout);

 private:
  struct InFlight {
    std::string fingerprint;
    std::vector<std::shared_ptr<Waiter>> waiters;
  };
  // Answers `waiter` REQUEST_IN_PROGRESS shortly before `deadline`.
  void ArmDeadline(const std::shared_ptr<Waiter>& waiter, absl::Time deadline);
  // Reads another replica's record until it is done or `deadline` is near.
  void Poll(std::string key, std::string fingerprint,
            std::shared_ptr<Waiter> waiter, absl::Time deadline);
  // What a record already in the store means for a new call.
  void AnswerFromRecord(const callbacks::RequestIdRecord& record,
                        const std::string& key, const std::string& fingerprint,
                        const std::shared_ptr<Waiter>& waiter,
                        absl::Time deadline);

  callbacks::RequestIdStore& store_;
  const core::Clock& clock_;
  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
  // Last member: destroyed first, dropping the timers that use the others.
  core::TimerThread timer_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_
