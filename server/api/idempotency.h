// AIP-155 request ids for CreateAccount and UpdateAccount. Jumio creates a new
// account (or workflow execution) on every POST/PUT, so a caller that retries
// after a timeout would get two; with a request_id the retry gets the first
// call's response instead.
//
// The store is in memory: a retry that reaches another replica is not
// deduplicated. Callers that need that across replicas should pin retries to
// one connection (gRPC does by default), and a shared store can replace this
// class behind the same interface.
#ifndef JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_
#define JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::api {

class IdempotencyStore {
 public:
  enum class Outcome {
    kStarted,     // first sight of the key: run the request, then Complete or
                  // Abandon
    kReplay,      // done before with the same request: answer with `response`
    kInProgress,  // the first call is still running
    kConflict,    // the key was used with a different request
  };
  struct Result {
    Outcome outcome;
    std::string response;  // serialized response, for kReplay
  };

  // `clock` must outlive the store.
  IdempotencyStore(const core::Clock& clock, absl::Duration retention,
                   size_t max_entries);

  // `key` names the RPC and request id; `fingerprint` is the request's
  // deterministic bytes.
  Result Begin(const std::string& key, const std::string& fingerprint);
  void Complete(const std::string& key, std::string response);
  // The call failed: forget the key so that a retry runs again.
  void Abandon(const std::string& key);

 private:
  struct Entry {
    std::string fingerprint;
    bool done = false;
    std::string response;
    absl::Time expires;
  };
  void EvictExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const core::Clock& clock_;
  const absl::Duration retention_;
  const size_t max_entries_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Expiry order, for cheap eviction.
  std::multimap<absl::Time, std::string> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_IDEMPOTENCY_H_
