#include "server/api/idempotency.h"

#include <openssl/sha.h>
#include <unistd.h>

#include <cstdint>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using callbacks::RequestIdRecord;

// The payload type of a kept response inside the outcome's google.rpc.Status.
constexpr char kResponseType[] = "jumio-gateway/response";

std::string Digest(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string DefaultReplica() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string name;
  for (const char* p = host; *p != '\0'; ++p) {
    if (*p != ' ' && *p != '\n') name.push_back(*p);
  }
  std::random_device random;
  return absl::StrCat(name.empty() ? "replica" : name, "-", getpid(), "-",
                      absl::Hex(random()));
}

// An outcome as bytes: the code, message and payloads of the status, or the
// response bytes as the one payload of an OK status.
std::string EncodeOutcome(const absl::StatusOr<std::string>& result) {
  google::rpc::Status encoded;
  if (result.ok()) {
    google::protobuf::Any* any = encoded.add_details();
    any->set_type_url(kResponseType);
    any->set_value(*result);
    return encoded.SerializeAsString();
  }
  encoded.set_code(static_cast<int>(result.status().code()));
  encoded.set_message(std::string(result.status().message()));
  result.status().ForEachPayload(
      [&encoded](absl::string_view type_url, const absl::Cord& value) {
        google::protobuf::Any* any = encoded.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(value));
      });
  return encoded.SerializeAsString();
}

absl::StatusOr<std::string> DecodeOutcome(const std::string& bytes) {
  google::rpc::Status encoded;
  if (!encoded.ParseFromString(bytes)) {
    return errors::Error(absl::StatusCode::kInternal, v1::ERROR_REASON_INTERNAL,
                         "the stored outcome of this request_id is unreadable");
  }
  if (encoded.code() == 0) {
    if (encoded.details_size() != 1 ||
        encoded.details(0).type_url() != kResponseType) {
      return errors::Error(
          absl::StatusCode::kInternal, v1::ERROR_REASON_INTERNAL,
          "the stored outcome of this request_id is unreadable");
    }
    return encoded.details(0).value();
  }
  absl::Status status(static_cast<absl::StatusCode>(encoded.code()),
                      encoded.message());
  for (const google::protobuf::Any& any : encoded.details()) {
    status.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return status;
}

// What a stored outcome that does not open is answered: never its bytes.
absl::Status Unopenable(const absl::Status& opened) {
  return errors::Error(
      absl::StatusCode::kAborted, v1::ERROR_REASON_REQUEST_OUTCOME_UNKNOWN,
      crypto::IsMissingKey(opened)
          ? "the outcome of this request_id was sealed under a storage key "
            "this gateway does not hold (storage_key_files); it is not sent "
            "again under this request_id"
          : "the stored outcome of this request_id cannot be opened; it is "
            "not sent again under this request_id");
}

// A kept answer erased with its account (DeleteAccount, issue 17): the id
// stays taken, so a retry cannot create the account again.
absl::Status Erased() {
  return errors::Error(
      absl::StatusCode::kNotFound, v1::ERROR_REASON_NOT_FOUND,
      "the account this request_id wrote has been deleted, and the gateway "
      "erased its answer; the request_id is not sent again");
}

absl::Status Conflict() {
  return errors::Error(absl::StatusCode::kAlreadyExists,
                       v1::ERROR_REASON_REQUEST_ID_REUSED,
                       "request_id was used with another request");
}

}  // namespace

void RequestIds::Waiter::Cancel() {
  Deliver(absl::CancelledError("the call was cancelled"));
}

void RequestIds::Waiter::Deliver(absl::StatusOr<std::string> result) {
  Answer answer;
  {
    absl::MutexLock lock(&mu_);
    if (answered_) return;
    answered_ = true;
    answer = std::move(answer_);
  }
  std::move(answer)(std::move(result));
}

RequestIds::RequestIds(callbacks::RequestIdStore* store,
                       const core::Clock& clock, Options options)
    : store_(*store),
      clock_(clock),
      options_([&options] {
        if (options.replica.empty()) options.replica = DefaultReplica();
        if (options.keyring == nullptr) {
          // Random() fails only without an entropy source; the keyring then
          // stays null and no outcome is kept (Finish).
          absl::StatusOr<crypto::Keyring> random = crypto::Keyring::Random();
          if (random.ok()) {
            options.keyring =
                std::make_shared<const crypto::Keyring>(*std::move(random));
          }
        }
        return options;
      }()),
      timer_(clock) {}

RequestIds::~RequestIds() = default;

absl::Status RequestIds::OutcomeUnknown() {
  return errors::Error(
      absl::StatusCode::kAborted, v1::ERROR_REASON_REQUEST_OUTCOME_UNKNOWN,
      "the call with this request_id may have reached Jumio but its answer "
      "was lost; it is not sent again under this request_id");
}

std::string RequestIds::OutcomeAad(const std::string& key) {
  // With the NUL: the purpose is its own field.
  return absl::StrCat(absl::string_view("request-id-outcome\0", 19), key);
}

RequestIds::Failure RequestIds::Classify(const absl::Status& status) {
  if (jumio::RequestNotSent(status)) return Failure::kNotSent;
  absl::optional<google::rpc::ErrorInfo> info = errors::GetErrorInfo(status);
  if (!info.has_value()) return Failure::kUnknown;
  const std::string& reason = info->reason();
  // The gateway's own refusals before sending (breaker, shedding, a
  // client-side rate limit) and Jumio's 429 alike.
  if (reason == errors::ReasonName(v1::ERROR_REASON_CIRCUIT_OPEN) ||
      reason == errors::ReasonName(v1::ERROR_REASON_UPSTREAM_OVERLOADED) ||
      reason == errors::ReasonName(v1::ERROR_REASON_UPSTREAM_RATE_LIMITED)) {
    return Failure::kNotSent;
  }
  int http_status = 0;
  auto it = info->metadata().find("httpStatus");
  if (it == info->metadata().end() ||
      !absl::SimpleAtoi(it->second, &http_status)) {
    // No HTTP answer. A token that could not be had stopped the call before
    // it went to the account host; anything else may have been sent.
    return reason == errors::ReasonName(v1::ERROR_REASON_UPSTREAM_AUTH_FAILED)
               ? Failure::kNotSent
               : Failure::kUnknown;
  }
  if (http_status == 401 || http_status == 429 || http_status == 503) {
    return Failure::kNotSent;
  }
  if (http_status >= 400 && http_status < 500) return Failure::kDefinitive;
  return Failure::kUnknown;
}

void RequestIds::ArmDeadline(const std::shared_ptr<Waiter>& waiter,
                             absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return;
  timer_.Schedule(deadline - options_.answer_margin,
                  [waiter, delay = options_.in_progress_retry_delay] {
                    absl::Status status = errors::Error(
                        absl::StatusCode::kAborted,
                        v1::ERROR_REASON_REQUEST_IN_PROGRESS,
                        "the call with this request_id is still running; "
                        "retry with the same request_id for its result");
                    errors::SetRetryDelay(status, delay);
                    waiter->Deliver(std::move(status));
                  });
}

RequestIds::Begun RequestIds::Begin(const std::string& key,
                                    const std::string& request,
                                    absl::Time deadline,
                                    absl::Duration call_bound,
                                    RequestIds::Answer answer) {
  Begun begun;
  begun.waiter = std::make_shared<Waiter>(std::move(answer));
  const std::string fingerprint = Digest(request);
  bool conflict = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      conflict = it->second.fingerprint != fingerprint;
      if (!conflict) {
        it->second.waiters.push_back(begun.waiter);
        ArmDeadline(begun.waiter, deadline);
        return begun;
      }
    }
  }
  // Answered outside the lock: the answer finishes an RPC.
  if (conflict) {
    begun.waiter->Deliver(Conflict());
    return begun;
  }
  RequestIdRecord record;
  record.fingerprint = fingerprint;
  record.owner = options_.replica;
  record.lease_until = clock_.Now() + call_bound + options_.lease_margin;
  absl::StatusOr<absl::optional<RequestIdRecord>> existing =
      store_.Begin(key, record);
  if (!existing.ok()) {
    // Without the durable record the call is not sent at all.
    begun.waiter->Deliver(existing.status());
    return begun;
  }
  if (existing->has_value()) {
    AnswerFromRecord(**existing, key, fingerprint, begun.waiter, deadline);
    return begun;
  }
  {
    absl::MutexLock lock(&mu_);
    InFlight& in_flight = in_flight_[key];
    in_flight.fingerprint = fingerprint;
    in_flight.waiters.push_back(begun.waiter);
  }
  ArmDeadline(begun.waiter, deadline);
  begun.run = true;
  return begun;
}

void RequestIds::AnswerFromRecord(const RequestIdRecord& record,
                                  const std::string& key,
                                  const std::string& fingerprint,
                                  const std::shared_ptr<Waiter>& waiter,
                                  absl::Time deadline) {
  if (record.fingerprint != fingerprint) {
    waiter->Deliver(Conflict());
  } else if (record.state == RequestIdRecord::State::kDone &&
             record.outcome.empty()) {
    waiter->Deliver(Erased());
  } else if (record.state == RequestIdRecord::State::kDone) {
    absl::StatusOr<std::string> outcome =
        options_.keyring != nullptr
            ? options_.keyring->Open(record.outcome, OutcomeAad(key))
            : absl::FailedPreconditionError("no storage key");
    waiter->Deliver(outcome.ok() ? DecodeOutcome(*outcome)
                                 : Unopenable(outcome.status()));
  } else if (clock_.Now() >= record.lease_until) {
    // Its owner neither finished nor released it within the call's bound.
    waiter->Deliver(OutcomeUnknown());
  } else {
    // Another replica (or this one, a moment ago) runs it.
    ArmDeadline(waiter, deadline);
    Poll(key, fingerprint, waiter, deadline);
  }
}

void RequestIds::Poll(std::string key, std::string fingerprint,
                      std::shared_ptr<Waiter> waiter, absl::Time deadline) {
  const absl::Time next = clock_.Now() + options_.poll_interval;
  if (next >= deadline - options_.answer_margin) return;  // ArmDeadline's
  timer_.Schedule(next, [this, key = std::move(key),
                         fingerprint = std::move(fingerprint),
                         waiter = std::move(waiter), deadline] {
    absl::StatusOr<absl::optional<RequestIdRecord>> record = store_.Get(key);
    if (!record.ok()) {
      Poll(key, fingerprint, waiter, deadline);
    } else if (!record->has_value()) {
      // Released: nothing was sent. This call may send it itself.
      absl::Status status = errors::Error(
          absl::StatusCode::kAborted, v1::ERROR_REASON_REQUEST_IN_PROGRESS,
          "the call with this request_id failed before it was sent; retry");
      errors::SetRetryDelay(status, absl::ZeroDuration());
      waiter->Deliver(std::move(status));
    } else {
      AnswerFromRecord(**record, key, fingerprint, waiter, deadline);
    }
  });
}

bool RequestIds::AwaitWaiters(const std::string& key, size_t count,
                              absl::Duration timeout) {
  auto enough = [this, &key, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = in_flight_.find(key);
    return it != in_flight_.end() && it->second.waiters.size() >= count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void RequestIds::Finish(const std::string& key,
                        absl::StatusOr<std::string> result,
                        const std::string& subject) {
  Failure failure = Failure::kDefinitive;
  if (!result.ok()) failure = Classify(result.status());
  if (failure == Failure::kUnknown) result = OutcomeUnknown();
  absl::Status stored;
  if (failure == Failure::kNotSent) {
    stored = store_.Release(key, options_.replica);
  } else {
    RequestIdRecord record;
    record.state = RequestIdRecord::State::kDone;
    record.owner = options_.replica;
    if (result.ok()) record.subject = subject;
    {
      absl::MutexLock lock(&mu_);
      auto it = in_flight_.find(key);
      if (it != in_flight_.end()) record.fingerprint = it->second.fingerprint;
    }
    absl::StatusOr<std::string> sealed =
        options_.keyring != nullptr
            ? options_.keyring->Seal(EncodeOutcome(result), OutcomeAad(key))
            : absl::InternalError("no storage key");
    // When either fails the record stays pending and turns into an unknown
    // outcome at its lease: still never a second POST, and never an
    // outcome stored in the clear.
    if (sealed.ok()) {
      record.outcome = *std::move(sealed);
      stored = store_.Finish(key, record);
    } else {
      stored = sealed.status();
    }
  }
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      waiters = std::move(it->second.waiters);
      in_flight_.erase(it);
    }
  }
  for (const std::shared_ptr<Waiter>& waiter : waiters) waiter->Deliver(result);
}

}  // namespace jumio_gateway::api
