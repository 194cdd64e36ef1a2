#include "server/callbacks/request_id_store.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace jumio_gateway::callbacks {

std::string EncodeRequestIdRecord(const RequestIdRecord& record) {
  const int64_t lease_us = record.lease_until == absl::InfinitePast()
                               ? 0
                               : absl::ToUnixMicros(record.lease_until);
  // Version 2 adds the subject; a record without one stays version 1, which
  // is all a pending record (and the Redis release script) ever is.
  if (record.subject.empty()) {
    return absl::StrCat("1 ", static_cast<int>(record.state), " ", lease_us,
                        " ", record.owner, " ", record.fingerprint, "\n",
                        record.outcome);
  }
  return absl::StrCat("2 ", static_cast<int>(record.state), " ", lease_us, " ",
                      record.owner, " ", record.fingerprint, " ",
                      record.subject, "\n", record.outcome);
}

absl::optional<RequestIdRecord> DecodeRequestIdRecord(absl::string_view bytes) {
  const size_t newline = bytes.find('\n');
  if (newline == absl::string_view::npos) return absl::nullopt;
  std::vector<absl::string_view> head =
      absl::StrSplit(bytes.substr(0, newline), ' ');
  int state = 0;
  int64_t lease_us = 0;
  const bool v1 = head.size() == 5 && head[0] == "1";
  const bool v2 = head.size() == 6 && head[0] == "2" && !head[5].empty();
  if ((!v1 && !v2) || !absl::SimpleAtoi(head[1], &state) ||
      (state != 0 && state != 1) || !absl::SimpleAtoi(head[2], &lease_us)) {
    return absl::nullopt;
  }
  RequestIdRecord record;
  record.state = static_cast<RequestIdRecord::State>(state);
  record.lease_until =
      lease_us == 0 ? absl::InfinitePast() : absl::FromUnixMicros(lease_us);
  record.owner = std::string(head[3]);
  record.fingerprint = std::string(head[4]);
  if (v2) record.subject = std::string(head[5]);
  record.outcome = std::string(bytes.substr(newline + 1));
  return record;
}

InMemoryRequestIdStore::InMemoryRequestIdStore(const core::Clock& clock,
                                               absl::Duration retention,
                                               size_t max_entries)
    : clock_(clock), retention_(retention), max_entries_(max_entries) {}

void InMemoryRequestIdStore::EvictExpired(absl::Time now) {
  while (!by_expiry_.empty() &&
         (by_expiry_.begin()->first <= now || entries_.size() > max_entries_)) {
    auto oldest = by_expiry_.begin();
    auto entry = entries_.find(oldest->second);
    // A key begun again later has a newer index record; drop only stale pairs.
    if (entry != entries_.end() && entry->second.expires == oldest->first) {
      entries_.erase(entry);
    }
    by_expiry_.erase(oldest);
  }
}

absl::StatusOr<int64_t> InMemoryRequestIdStore::ApplyRetention(
    int batch, int max_batches) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  int64_t deleted = 0;
  const int64_t limit = static_cast<int64_t>(batch) * max_batches;
  for (int64_t i = 0;
       i < limit && !by_expiry_.empty() && by_expiry_.begin()->first <= now;
       ++i) {
    auto oldest = by_expiry_.begin();
    auto entry = entries_.find(oldest->second);
    if (entry != entries_.end() && entry->second.expires == oldest->first) {
      entries_.erase(entry);
      ++deleted;
    }
    by_expiry_.erase(oldest);
  }
  return deleted;
}

absl::StatusOr<OldestRecord> InMemoryRequestIdStore::Oldest() {
  absl::MutexLock lock(&mu_);
  OldestRecord oldest;
  // The index may hold stale pairs of keys begun again; their expiry is
  // never later than the live one's, so the first pair bounds the oldest.
  if (!by_expiry_.empty())
    oldest.written = by_expiry_.begin()->first - retention_;
  return oldest;
}

absl::StatusOr<absl::optional<RequestIdRecord>> InMemoryRequestIdStore::Begin(
    absl::string_view key, const RequestIdRecord& record) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  EvictExpired(now);
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second.record;
  Entry entry{record, now + retention_};
  by_expiry_.emplace(entry.expires, std::string(key));
  entries_.emplace(std::string(key), std::move(entry));
  return absl::nullopt;
}

absl::Status InMemoryRequestIdStore::Finish(absl::string_view key,
                                            const RequestIdRecord& record) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) it->second.record = record;
  return absl::OkStatus();
}

absl::Status InMemoryRequestIdStore::Release(absl::string_view key,
                                             absl::string_view owner) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() &&
      it->second.record.state == RequestIdRecord::State::kPending &&
      it->second.record.owner == owner) {
    entries_.erase(it);
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<RequestIdRecord>> InMemoryRequestIdStore::Get(
    absl::string_view key) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  EvictExpired(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) return absl::nullopt;
  return it->second.record;
}

absl::Status InMemoryRequestIdStore::ForgetSubject(absl::string_view subject) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, entry] : entries_) {
    if (entry.record.state == RequestIdRecord::State::kDone &&
        entry.record.subject == subject) {
      entry.record.outcome.clear();
    }
  }
  return absl::OkStatus();
}

}  // namespace jumio_gateway::callbacks
