#include "server/callbacks/callback_log.h"

#include "absl/strings/str_cat.h"
#include "server/core/regions.h"
#include "server/core/resource_names.h"

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

bool IsErasable(const v1::Callback& callback, absl::string_view account_id,
                absl::string_view workflow_execution_id) {
  if (callback.source() == v1::CALLBACK_SOURCE_DELETED) return false;
  if (callback.workflow_execution().account_id() != account_id) return false;
  return workflow_execution_id.empty() ||
         callback.workflow_execution().id() == workflow_execution_id;
}

v1::Callback DeletedEvent(v1::Region region, absl::string_view account_id,
                          absl::string_view workflow_execution_id) {
  v1::Callback event;
  event.set_region(region);
  event.set_source(v1::CALLBACK_SOURCE_DELETED);
  v1::WorkflowExecutionSummary* we = event.mutable_workflow_execution();
  we->set_id(std::string(workflow_execution_id));
  we->set_account_id(std::string(account_id));
  we->set_raw_status("DELETED");
  const std::string region_id = core::RegionId(region);
  we->set_account(
      core::AccountName{region_id, std::string(account_id)}.Format());
  if (!workflow_execution_id.empty()) {
    we->set_name(core::WorkflowExecutionName{region_id, std::string(account_id),
                                             std::string(workflow_execution_id)}
                     .Format());
  }
  return event;
}

}  // namespace jumio_gateway::callbacks
