// What every jumioctl command runs with (the parsed command line, the channel,
// the output mode), and the few ways a command ends: printing a message,
// reporting a failed call, or a usage error.
#ifndef JUMIO_GATEWAY_CLIENT_JUMIOCTL_ENV_H_
#define JUMIO_GATEWAY_CLIENT_JUMIOCTL_ENV_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/gateway_client.h"
#include "client/jumioctl/args.h"
#include "client/output.h"

namespace jumio_gateway::client {

// Exit codes (client/README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotReached = 3;

struct Env {
  Args args;
  // Operands after the group and verb words.
  std::vector<std::string> operands;
  std::string command;  // "workflow wait", for messages
  absl::Duration deadline = absl::Seconds(30);
  bool deadline_given = false;
  bool json = false;
  bool show_secrets = false;
  std::shared_ptr<grpc::Channel> channel;
};

// Prints `message` and a pointer to the command's help on stderr; returns
// kExitUsage.
int UsageError(const Env& env, const std::string& message);

// Prints the failed call with its google.rpc details on stderr; returns
// kExitRpcError.
int RpcFailed(const grpc::Status& status);

// A context with the command's --deadline.
std::unique_ptr<grpc::ClientContext> Context(const Env& env);

// How a command shows a message to people; null means ToText.
template <typename M>
using Renderer = std::function<std::string(const M&)>;

// Prints `message` (a copy, with secrets redacted unless --show_secrets) as
// JSON or as `human` text (ToText when none).
template <typename M>
int Emit(const Env& env, M message, const Renderer<M>& human = nullptr) {
  if (!env.show_secrets) RedactSecrets(&message);
  if (env.json) {
    std::cout << ToJson(message);
  } else {
    std::cout << (human ? human(message) : ToText(message));
  }
  std::cout.flush();
  return kExitOk;
}

template <typename T>
struct NonDeduced {
  using type = T;
};

// Makes one unary call with the command's deadline, then emits the response
// or reports the failure: what most commands do once the request is built.
template <typename Stub, typename Request, typename Response>
int CallAndEmit(
    const Env& env,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request,
    const typename NonDeduced<Renderer<Response>>::type& human = nullptr) {
  Stub stub(env.channel);
  Response response;
  grpc::Status status = (stub.*method)(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<Response>(env, response, human);
}

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_JUMIOCTL_ENV_H_
