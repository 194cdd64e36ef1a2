#include "server/security/methods.h"

#include <utility>

namespace jumio_gateway::security {
namespace {

struct Row {
  const char* method;
  Access access;
};

// GetWorkflowExecution is kRead here: its FULL view is personal, which the
// service reports to the guard (CallGuard::Admit's `personal`).
constexpr Row kTable[] = {
    {"/jumio.gateway.v1.AccountService/CreateAccount", Access::kMutating},
    {"/jumio.gateway.v1.AccountService/UpdateAccount", Access::kMutating},
    {"/jumio.gateway.v1.AccountService/GetAccount", Access::kRead},
    {"/jumio.gateway.v1.AccountService/DeleteAccount", Access::kMutating},
    {"/jumio.gateway.v1.CredentialService/UploadCredentialPart",
     Access::kMutating},
    {"/jumio.gateway.v1.CredentialService/GetCredentialPart",
     Access::kPersonal},
    {"/jumio.gateway.v1.WorkflowExecutionService/FinalizeWorkflowExecution",
     Access::kMutating},
    {"/jumio.gateway.v1.WorkflowExecutionService/GetWorkflowExecutionStatus",
     Access::kRead},
    {"/jumio.gateway.v1.WorkflowExecutionService/GetWorkflowExecution",
     Access::kRead},
    {"/jumio.gateway.v1.WorkflowExecutionService/ListWorkflowExecutionSteps",
     Access::kRead},
    {"/jumio.gateway.v1.WorkflowExecutionService/ListWorkflowExecutions",
     Access::kRead},
    {"/jumio.gateway.v1.WorkflowExecutionService/DeleteWorkflowExecution",
     Access::kMutating},
    {"/jumio.gateway.v1.PlatformService/GetPlatformStatus", Access::kRead},
    // Callbacks carry enrichment (extracted identity data).
    {"/jumio.gateway.v1.CallbackFeedService/WatchCallbacks", Access::kPersonal},
    {"/jumio.gateway.v1.CallbackFeedService/ListCallbacks", Access::kPersonal},
    {"/jumio.gateway.v1.CallbackFeedService/AcknowledgeCallbacks",
     Access::kMutating},
    {"/grpc.health.v1.Health/Check", Access::kOpen},
    {"/grpc.health.v1.Health/Watch", Access::kOpen},
    // Reflection describes the API only; the policy opens or closes it.
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     Access::kRead},
};

}  // namespace

std::optional<Access> ClassifyMethod(absl::string_view full_method) {
  for (const Row& row : kTable) {
    if (full_method == row.method) return row.access;
  }
  return std::nullopt;
}

std::vector<std::string> ClassifiedMethods() {
  std::vector<std::string> methods;
  for (const Row& row : kTable) methods.emplace_back(row.method);
  return methods;
}

absl::string_view AccessName(Access access) {
  switch (access) {
    case Access::kOpen:
      return "open";
    case Access::kRead:
      return "read";
    case Access::kMutating:
      return "mutating";
    case Access::kPersonal:
      return "personal";
  }
  return "unknown";
}

}  // namespace jumio_gateway::security
