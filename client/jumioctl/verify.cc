// jumioctl verify FRONT BACK [FACE]: the whole API-channel flow of
// client/verify.h, with its progress on stderr (one line rewritten in place
// on a terminal, plain lines otherwise) and the result on stdout.
#include "client/verify.h"

#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/gateway_client.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;

namespace {

absl::Status ParseVerifyFlags(const Env& env, Verification* v) {
  const Args& a = env.args;
  if (a.Has("region")) {
    absl::StatusOr<int> region =
        ParseEnum(*v1::Region_descriptor(), "region", a.Get("region"));
    if (!region.ok()) return region.status();
    v->region = static_cast<v1::Region>(*region);
  }
  if (a.Has("workflow_key") &&
      (!absl::SimpleAtoi(a.Get("workflow_key"), &v->workflow_key) ||
       v->workflow_key <= 0)) {
    return absl::InvalidArgumentError(
        "--workflow_key must be a positive whole number");
  }
  v->user_reference = a.Get("user_reference");
  v->customer_internal_reference = a.Get("customer_internal_reference");
  v->request_id = a.Get("request_id");
  if (a.Has("timeout")) {
    absl::StatusOr<absl::Duration> timeout =
        ParseDurationFlag("timeout", a.Get("timeout"));
    if (!timeout.ok()) return timeout.status();
    v->timeout = *timeout;
  }
  if (a.Has("poll_schedule")) {
    for (absl::string_view item :
         absl::StrSplit(a.Get("poll_schedule"), ',', absl::SkipEmpty())) {
      absl::StatusOr<absl::Duration> at = ParseDurationFlag(
          "poll_schedule", std::string(absl::StripAsciiWhitespace(item)));
      if (!at.ok()) return at.status();
      if (!v->poll_schedule.empty() && *at <= v->poll_schedule.back()) {
        return absl::InvalidArgumentError(
            "--poll_schedule must list increasing durations");
      }
      v->poll_schedule.push_back(*at);
    }
  }
  if (env.deadline_given) v->call_deadline = env.deadline;
  // Operands in the order FRONT BACK [FACE].
  static const char* const kClassifiers[] = {"FRONT", "BACK", "FACE"};
  for (size_t i = 0; i < env.operands.size(); ++i) {
    v->files[kClassifiers[i]] = env.operands[i];
  }
  return absl::OkStatus();
}

}  // namespace

int Verify(Env& env) {
  Verification v;
  v.user_reference = "jumioctl-verify";
  if (absl::Status parsed = ParseVerifyFlags(env, &v); !parsed.ok()) {
    return UsageError(env, std::string(parsed.message()));
  }
  const bool terminal = isatty(STDERR_FILENO) == 1;
  bool rewriting = false;  // a progress line is on screen without its newline
  auto progress = [&](const VerifyProgress& p) {
    // On a terminal the waiting line is rewritten in place; every other step
    // stays on screen as a line of its own.
    if (terminal && p.step == VerifyProgress::Step::kWaiting) {
      std::cerr << "\r\033[K" << p.text << std::flush;
      rewriting = true;
      return;
    }
    if (rewriting) std::cerr << "\r\033[K";
    rewriting = false;
    std::cerr << p.text << "\n";
  };
  VerifyResult result;
  grpc::Status status =
      jumio_gateway::client::Verify(env.channel, v, progress, &result);
  if (rewriting) std::cerr << "\n";
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      !result.created.workflow_execution().name().empty()) {
    std::cerr << "jumioctl verify: " << status.error_message() << "\n"
              << "workflow execution: "
              << result.created.workflow_execution().name() << "\n";
    return kExitNotReached;
  }
  if (!status.ok()) return RpcFailed(status);
  v1::GetWorkflowExecutionResponse response;
  *response.mutable_workflow_execution() = result.execution;
  return Emit<v1::GetWorkflowExecutionResponse>(env, response,
                                                WorkflowExecutionText);
}

}  // namespace jumio_gateway::client
