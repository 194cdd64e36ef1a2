#include "server/callbacks/callback_log.h"

#include "absl/strings/str_cat.h"

namespace jumio_gateway::callbacks {

std::string DedupKey(const v1::Callback& callback) {
  return absl::StrCat(callback.workflow_execution().id(), "|",
                      callback.workflow_execution().raw_status());
}

bool DecodeStoredCallback(absl::string_view data, v1::Callback* out,
                          std::string* reason) {
  if (data.empty()) {
    *reason = kMissingDataReason;
    return false;
  }
  if (!out->ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    out->Clear();
    *reason = kUndecodableReason;
    return false;
  }
  return true;
}

}  // namespace jumio_gateway::callbacks
