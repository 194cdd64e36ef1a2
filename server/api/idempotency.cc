#include "server/api/idempotency.h"

#include <utility>

namespace jumio_gateway::api {

IdempotencyStore::IdempotencyStore(const core::Clock& clock,
                                   absl::Duration retention, size_t max_entries)
    : clock_(clock), retention_(retention), max_entries_(max_entries) {}

void IdempotencyStore::EvictExpired(absl::Time now) {
  while (!by_expiry_.empty() &&
         (by_expiry_.begin()->first <= now || entries_.size() > max_entries_)) {
    auto oldest = by_expiry_.begin();
    auto entry = entries_.find(oldest->second);
    // An entry re-armed later has a newer index record; drop only stale pairs.
    if (entry != entries_.end() && entry->second.expires == oldest->first) {
      entries_.erase(entry);
    }
    by_expiry_.erase(oldest);
  }
}

IdempotencyStore::Result IdempotencyStore::Begin(
    const std::string& key, const std::string& fingerprint) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  EvictExpired(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    Entry entry{fingerprint, false, "", now + retention_};
    by_expiry_.emplace(entry.expires, key);
    entries_.emplace(key, std::move(entry));
    return {Outcome::kStarted, ""};
  }
  if (it->second.fingerprint != fingerprint) return {Outcome::kConflict, ""};
  if (!it->second.done) return {Outcome::kInProgress, ""};
  return {Outcome::kReplay, it->second.response};
}

void IdempotencyStore::Complete(const std::string& key, std::string response) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.done = true;
  it->second.response = std::move(response);
}

void IdempotencyStore::Abandon(const std::string& key) {
  absl::MutexLock lock(&mu_);
  entries_.erase(key);
}

}  // namespace jumio_gateway::api
