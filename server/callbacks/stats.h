// Counters of the callback path, kept as plain atomics so that this module
// does not depend on the metrics library; the gateway exports them (e.g. with
// a collector that reads a snapshot at scrape time) as
//   jumio_gateway_callbacks_received_total,
//   jumio_gateway_callbacks_rejected_total{reason},
//   jumio_gateway_callbacks_stored_total / _duplicates_total,
//   jumio_gateway_callbacks_delivered_total, callback subscribers gauge.
// Reasons are fixed strings: no ids, tokens or addresses in labels.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_STATS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_STATS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "server/callbacks/retention.h"

namespace jumio_gateway::callbacks {

// Why the receiver refused a POST, in the order the checks run.
enum class RejectReason {
  kSourceNotAllowed = 0,  // 403
  kMethodNotAllowed,      // 405
  kUnsupportedMediaType,  // 415
  kLengthRequired,        // 411
  kBodyTooLarge,          // 413
  kBodyTimeout,           // 408: body not complete in time (slow drip)
  kMalformedJson,         // 400
  kInvalidShape,          // 400: JSON, but not a callback
  // 400: a callback that could not be stored and read back exactly (invalid
  // UTF-8, duplicate member names, a number a double cannot hold, too deep
  // for the stored form). Refused before storage: once stored it would be
  // unreadable and would block the genuine callback as a duplicate.
  kUnstorable,
  kBadToken,          // 403: missing, forged, or another account's
  kTokenUnbound,      // 403: issued, but never bound to an account
  kStoreUnavailable,  // 503: could not be made durable
  kCount,
};

const char* RejectReasonName(RejectReason reason);
int RejectReasonHttpStatus(RejectReason reason);

struct CallbackStats {
  std::atomic<int64_t> received{0};    // POSTs that reached the checks
  std::atomic<int64_t> stored{0};      // newly stored
  std::atomic<int64_t> duplicates{0};  // answered 200, already stored
  std::array<std::atomic<int64_t>,
             static_cast<std::size_t>(RejectReason::kCount)>
      rejected{};
  std::atomic<int64_t> delivered{0};    // callbacks written to subscribers
  std::atomic<int64_t> subscribers{0};  // open WatchCallbacks streams
  // Stored entries a read (ListCallbacks, WatchCallbacks) found it cannot
  // decode, counted at each encounter: any growth means results are at risk.
  std::atomic<int64_t> unreadable{0};
  std::atomic<int64_t> enriched{0};
  std::atomic<int64_t> enrichment_failures{0};
  // Per RecordKind, as the last retention pass found it: when the oldest
  // stored record was written (unix microseconds), kOldestNone when none is
  // stored, kOldestUnknown before the first pass, after a failed read, or
  // when the store expires the kind by itself (OldestRecord::swept false).
  static constexpr int64_t kOldestNone = 0;
  static constexpr int64_t kOldestUnknown = -1;
  std::array<std::atomic<int64_t>, kRecordKindCount> oldest_record_us = {
      {{kOldestUnknown}, {kOldestUnknown}, {kOldestUnknown}, {kOldestUnknown}}};
  std::atomic<int64_t> retention_passes{0};  // passes run (for tests, logs)
  // Per RecordKind: records the retention sweep removed, and the window
  // (seconds) each kind is kept for; set once by the component.
  std::array<std::atomic<int64_t>, kRecordKindCount> retention_deleted = {
      {{0}, {0}, {0}, {0}}};
  std::array<std::atomic<int64_t>, kRecordKindCount> retention_window_s = {
      {{0}, {0}, {0}, {0}}};

  int64_t Rejected(RejectReason r) const {
    return rejected[static_cast<std::size_t>(r)].load();
  }
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_STATS_H_
