// workflow finalize | status | wait | get | steps | list | delete.
#include <algorithm>
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/gateway_client.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;

namespace {

using Stub = v1::WorkflowExecutionService::Stub;

bool IsFinal(v1::WorkflowStatus status) {
  return status == v1::WORKFLOW_STATUS_PROCESSED ||
         status == v1::WORKFLOW_STATUS_SESSION_EXPIRED ||
         status == v1::WORKFLOW_STATUS_TOKEN_EXPIRED;
}

// Codes after which another poll may succeed; anything else is reported at
// once because polling again would only repeat it.
bool IsTransient(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::ABORTED;
}

}  // namespace

int WorkflowFinalize(Env& env) {
  v1::FinalizeWorkflowExecutionRequest request;
  request.set_name(env.operands[0]);
  return CallAndEmit(
      env, &Stub::FinalizeWorkflowExecution, request,
      [&](const v1::FinalizeWorkflowExecutionResponse& r) {
        return FinalizedText(r.name().empty() ? request.name() : r.name());
      });
}

int WorkflowStatus(Env& env) {
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(env.operands[0]);
  return CallAndEmit(env, &Stub::GetWorkflowExecutionStatus, request,
                     WorkflowStatusText);
}

int WorkflowGet(Env& env) {
  v1::GetWorkflowExecutionRequest request;
  request.set_name(env.operands[0]);
  if (env.args.Has("fields")) {
    for (absl::string_view path :
         absl::StrSplit(env.args.Get("fields"), ',', absl::SkipEmpty())) {
      request.mutable_read_mask()->add_paths(
          std::string(absl::StripAsciiWhitespace(path)));
    }
  }
  if (env.args.Has("view")) {
    absl::StatusOr<int> view = ParseEnum(
        *v1::WorkflowExecutionView_descriptor(), "view", env.args.Get("view"));
    if (!view.ok())
      return UsageError(env, std::string(view.status().message()));
    request.set_view(static_cast<v1::WorkflowExecutionView>(*view));
  }
  return CallAndEmit(env, &Stub::GetWorkflowExecution, request,
                     WorkflowExecutionText);
}

int WorkflowSteps(Env& env) {
  v1::ListWorkflowExecutionStepsRequest request;
  request.set_parent(env.operands[0]);
  absl::Status paging = ApplyPaging(env, 100, &request);
  if (!paging.ok()) return UsageError(env, std::string(paging.message()));
  return CallAndEmit(env, &Stub::ListWorkflowExecutionSteps, request,
                     StepsText);
}

int WorkflowList(Env& env) {
  v1::ListWorkflowExecutionsRequest request;
  request.set_parent(env.operands[0]);
  absl::Status paging = ApplyPaging(env, 1000, &request);
  if (!paging.ok()) return UsageError(env, std::string(paging.message()));
  return CallAndEmit(env, &Stub::ListWorkflowExecutions, request,
                     WorkflowListText);
}

int WorkflowDelete(Env& env) {
  v1::DeleteWorkflowExecutionRequest request;
  request.set_name(env.operands[0]);
  request.set_allow_missing(env.args.GetBool("allow_missing").value_or(false));
  return CallAndEmit(
      env, &Stub::DeleteWorkflowExecution, request,
      [&](const v1::DeleteWorkflowExecutionResponse& r) {
        return DeletedText(r.name().empty() ? request.name() : r.name());
      });
}

int WorkflowWait(Env& env) {
  int target = v1::WORKFLOW_STATUS_PROCESSED;
  absl::Duration timeout = absl::Minutes(2);
  absl::Duration interval = absl::Seconds(1);
  absl::Status parsed = absl::OkStatus();
  if (env.args.Has("for")) {
    absl::StatusOr<int> status =
        ParseEnum(*v1::WorkflowStatus_descriptor(), "for", env.args.Get("for"));
    if (status.ok()) target = *status;
    if (!status.ok()) parsed = status.status();
  }
  for (auto [flag, value] : {std::make_pair("timeout", &timeout),
                             std::make_pair("interval", &interval)}) {
    if (!parsed.ok() || !env.args.Has(flag)) continue;
    absl::StatusOr<absl::Duration> d =
        ParseDurationFlag(flag, env.args.Get(flag));
    if (d.ok()) *value = *d;
    if (!d.ok()) parsed = d.status();
  }
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));

  const std::string target_name =
      ShortEnumName(*v1::WorkflowStatus_descriptor(), target);
  auto stub = v1::WorkflowExecutionService::NewStub(env.channel);
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(env.operands[0]);
  const absl::Time give_up = absl::Now() + timeout;
  std::string last = "unknown";
  while (true) {
    const absl::Duration left = give_up - absl::Now();
    v1::GetWorkflowExecutionStatusResponse response;
    grpc::Status status = stub->GetWorkflowExecutionStatus(
        NewContext(std::min(env.deadline, std::max(left, absl::Seconds(1))))
            .get(),
        request, &response);
    absl::Duration pause = interval;
    if (status.ok()) {
      const v1::WorkflowExecutionSummary& w = response.workflow_execution();
      const std::string now = StatusText(w.status(), w.raw_status());
      if (now != last) std::cerr << "status: " << now << "\n";
      last = now;
      if (w.status() == target) {
        return Emit<v1::GetWorkflowExecutionStatusResponse>(env, response,
                                                            WorkflowStatusText);
      }
      if (IsFinal(w.status())) {
        std::cerr << "jumioctl: " << request.name() << " ended as " << now
                  << ", not " << target_name << "\n";
        if (env.json) std::cout << ToJson(response);
        return kExitNotReached;
      }
    } else if (!IsTransient(status.error_code())) {
      return RpcFailed(status);
    } else {
      std::cerr << "jumioctl: retrying after " << DescribeRpcError(status);
      pause = std::max(pause, RetryDelay(status).value_or(pause));
    }
    if (absl::Now() + pause >= give_up) {
      std::cerr << "jumioctl: gave up after " << absl::FormatDuration(timeout)
                << ": " << request.name() << " is " << last << ", not "
                << target_name << "\n";
      return kExitNotReached;
    }
    // Polling the status endpoint is the documented way to follow an
    // execution without a callback; the interval keeps it within Jumio's
    // retrieval rate limit.
    absl::SleepFor(pause);
  }
}

}  // namespace jumio_gateway::client
