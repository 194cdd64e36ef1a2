// jumio.gateway.v1.WorkflowExecutionService: finalize on the api host,
// everything else on the retrieval host.
#ifndef JUMIO_GATEWAY_SERVER_API_WORKFLOW_EXECUTION_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_WORKFLOW_EXECUTION_SERVICE_H_

#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "server/api/service_context.h"

namespace jumio_gateway::api {

class WorkflowExecutionService final
    : public ::jumio::gateway::v1::WorkflowExecutionService::CallbackService {
 public:
  explicit WorkflowExecutionService(ServiceContext context)
      : context_(context) {}

  grpc::ServerUnaryReactor* FinalizeWorkflowExecution(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::FinalizeWorkflowExecutionRequest* request,
      ::jumio::gateway::v1::FinalizeWorkflowExecutionResponse* response)
      override;
  grpc::ServerUnaryReactor* GetWorkflowExecutionStatus(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetWorkflowExecutionStatusRequest* request,
      ::jumio::gateway::v1::GetWorkflowExecutionStatusResponse* response)
      override;
  grpc::ServerUnaryReactor* GetWorkflowExecution(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetWorkflowExecutionRequest* request,
      ::jumio::gateway::v1::GetWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkflowExecutionSteps(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::ListWorkflowExecutionStepsRequest* request,
      ::jumio::gateway::v1::ListWorkflowExecutionStepsResponse* response)
      override;
  grpc::ServerUnaryReactor* ListWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::ListWorkflowExecutionsRequest* request,
      ::jumio::gateway::v1::ListWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWorkflowExecution(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::DeleteWorkflowExecutionRequest* request,
      ::jumio::gateway::v1::DeleteWorkflowExecutionResponse* response) override;

 private:
  jumio::CallOptions Options(const grpc::CallbackServerContext& context) const;

  const ServiceContext context_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_WORKFLOW_EXECUTION_SERVICE_H_
