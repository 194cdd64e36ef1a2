#include "server/callbacks/callback_log.h"

#include "absl/strings/str_cat.h"

namespace jumio_gateway::callbacks {

std::string DedupKey(const v1::Callback& callback) {
  return absl::StrCat(callback.workflow_execution().id(), "|",
                      callback.workflow_execution().raw_status());
}

}  // namespace jumio_gateway::callbacks
