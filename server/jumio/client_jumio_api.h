// JumioApi over JumioClient: the only code that knows Jumio's REST paths, which
// host serves each operation and the endpoint label metrics and errors name.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CLIENT_JUMIO_API_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CLIENT_JUMIO_API_H_

#include <string>
#include <vector>

#include "server/jumio/jumio_api.h"
#include "server/jumio/jumio_client.h"

namespace jumio_gateway::jumio {

class ClientJumioApi : public JumioApi {
 public:
  // `client` must outlive this.
  explicit ClientJumioApi(JumioClient* client) : client_(client) {}

  Handle CreateAccount(
      AccountWrite request, const CallOptions& options,
      Done<::jumio::gateway::v1::CreateAccountResponse> done) override;
  Handle UpdateAccount(
      AccountWrite request, const CallOptions& options,
      Done<::jumio::gateway::v1::UpdateAccountResponse> done) override;
  Handle GetAccount(const AccountRef& account, const CallOptions& options,
                    Done<::jumio::gateway::v1::Account> done) override;
  Handle DeleteAccount(const AccountRef& account, const CallOptions& options,
                       DoneStatus done) override;
  Handle UploadPart(
      PartUpload request, const CallOptions& options,
      Done<::jumio::gateway::v1::UploadCredentialPartResponse> done) override;
  Handle GetPart(const PartDownload& request, const CallOptions& options,
                 Done<PartContent> done) override;
  Handle FinalizeWorkflowExecution(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<::jumio::gateway::v1::FinalizeWorkflowExecutionResponse> done)
      override;
  Handle GetWorkflowExecutionStatus(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecutionSummary> done) override;
  Handle GetWorkflowExecutionDetails(
      const WorkflowExecutionRef& execution, bool include_raw,
      const CallOptions& options,
      Done<::jumio::gateway::v1::WorkflowExecution> done) override;
  Handle ListWorkflowExecutionSteps(
      const WorkflowExecutionRef& execution, const CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowStep>> done) override;
  Handle ListWorkflowExecutions(
      const AccountRef& account, const CallOptions& options,
      Done<std::vector<::jumio::gateway::v1::WorkflowExecutionSummary>> done)
      override;
  Handle DeleteWorkflowExecution(const WorkflowExecutionRef& execution,
                                 const CallOptions& options,
                                 DoneStatus done) override;
  Handle GetPlatformStatus(
      const std::string& region, const CallOptions& options,
      Done<::jumio::gateway::v1::RegionPlatformStatus> done) override;

 private:
  JumioClient* const client_;
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CLIENT_JUMIO_API_H_
