#include "client/jumioctl/env.h"

namespace jumio_gateway::client {

int UsageError(const Env& env, const std::string& message) {
  std::cerr << "jumioctl: " << message << "\nRun 'jumioctl "
            << (env.command.empty() ? std::string("") : env.command + " ")
            << "--help' for usage.\n";
  return kExitUsage;
}

int RpcFailed(const grpc::Status& status) {
  std::cerr << "jumioctl: " << DescribeRpcError(status);
  return kExitRpcError;
}

std::unique_ptr<grpc::ClientContext> Context(const Env& env) {
  return NewContext(env.deadline);
}

}  // namespace jumio_gateway::client
