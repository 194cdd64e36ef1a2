// The vocabulary of the retention sweep (issue 17) that every store shares:
// the kinds of record it keeps and what a store reports of its oldest one,
// which the gateway exports as jumio_gateway_store_oldest_record_age_seconds
// so that a sweep that falls behind is seen before data outlives its window.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_RETENTION_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_RETENTION_H_

#include <cstddef>

#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace jumio_gateway::callbacks {

// The stored kinds that live for a retention window. The label values are
// fixed strings (RecordKindName).
enum class RecordKind {
  kCallbacks = 0,  // the callback log (callback_retention)
  kBindings,       // callback token bindings (callback_binding_retention)
  kRequestIds,     // request ids and their outcomes (request_id_retention)
  kExecutions,     // tracked executions never terminal (callback_retention)
  kCount,
};

const char* RecordKindName(RecordKind kind);

constexpr size_t kRecordKindCount = static_cast<size_t>(RecordKind::kCount);

// What a store knows of the oldest record of one kind.
struct OldestRecord {
  // False when the store does not sweep this kind because the store itself
  // deletes each record at its expiry (Redis key TTLs: its active expiry
  // removes them without reads); there is no sweep to fall behind.
  bool swept = true;
  // When the oldest stored record was written; nullopt when none is stored.
  absl::optional<absl::Time> written;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_RETENTION_H_
