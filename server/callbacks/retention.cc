#include "server/callbacks/retention.h"

namespace jumio_gateway::callbacks {

const char* RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCallbacks:
      return "callbacks";
    case RecordKind::kBindings:
      return "bindings";
    case RecordKind::kRequestIds:
      return "request_ids";
    case RecordKind::kExecutions:
      return "executions";
    case RecordKind::kCount:
      break;
  }
  return "unknown";
}

}  // namespace jumio_gateway::callbacks
