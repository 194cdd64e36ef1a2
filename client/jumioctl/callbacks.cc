// callbacks list | watch | ack.
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/gateway_client.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;

namespace {

absl::Status ApplyCallbackFilter(const Env& env, v1::CallbackFilter* filter) {
  for (const std::string& text : env.args.GetAll("region")) {
    absl::StatusOr<int> region =
        ParseEnum(*v1::Region_descriptor(), "region", text);
    if (!region.ok()) return region.status();
    filter->add_regions(static_cast<v1::Region>(*region));
  }
  for (const std::string& account : env.args.GetAll("account")) {
    filter->add_accounts(account);
  }
  for (const std::string& w : env.args.GetAll("workflow_execution")) {
    filter->add_workflow_executions(w);
  }
  for (const std::string& text : env.args.GetAll("status")) {
    absl::StatusOr<int> status =
        ParseEnum(*v1::WorkflowStatus_descriptor(), "status", text);
    if (!status.ok()) return status.status();
    filter->add_statuses(static_cast<v1::WorkflowStatus>(*status));
  }
  return absl::OkStatus();
}

}  // namespace

int CallbacksList(Env& env) {
  v1::ListCallbacksRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  if (parsed.ok()) parsed = ApplyCallbackFilter(env, request.mutable_filter());
  if (parsed.ok()) {
    parsed = ApplyPaging(env, 1000, &request);
  }
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  return CallAndEmit(env, &v1::CallbackFeedService::Stub::ListCallbacks,
                     request, CallbacksText);
}

int CallbacksWatch(Env& env) {
  v1::WatchCallbacksRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  if (parsed.ok()) parsed = ApplyCallbackFilter(env, request.mutable_filter());
  if (env.args.Has("subscription")) {
    request.set_subscription(env.args.Get("subscription"));
  }
  if (env.args.Has("after_cursor")) {
    request.set_after_cursor(env.args.Get("after_cursor"));
  }
  if (parsed.ok() && env.args.Has("from")) {
    absl::StatusOr<int> from = ParseEnum(*v1::StartPosition_descriptor(),
                                         "from", env.args.Get("from"));
    if (from.ok())
      request.set_start_position(static_cast<v1::StartPosition>(*from));
    if (!from.ok()) parsed = from.status();
  }
  int64_t max_callbacks = 0;
  if (parsed.ok() && env.args.Has("max_callbacks")) {
    absl::StatusOr<int64_t> max =
        ParseIntFlag(env, "max_callbacks", 1, INT64_MAX);
    if (max.ok()) max_callbacks = *max;
    if (!max.ok()) parsed = max.status();
  }
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  const bool heartbeats = env.args.GetBool("heartbeats").value_or(false);
  // A watch is meant to run until stopped: no deadline unless asked for.
  auto context =
      NewContext(env.deadline_given ? env.deadline : absl::InfiniteDuration());
  auto reader = v1::CallbackFeedService::NewStub(env.channel)
                    ->WatchCallbacks(context.get(), request);
  v1::WatchCallbacksResponse message;
  int64_t seen = 0;
  while (reader->Read(&message)) {
    if (message.has_heartbeat()) {
      if (heartbeats) std::cerr << HeartbeatLine(message.heartbeat());
      continue;
    }
    if (message.has_unreadable_callback()) {
      // On stderr, so that --json output stays one Callback per line.
      std::cerr << "unreadable callback "
                << UnreadableLine(message.unreadable_callback());
      continue;
    }
    if (!message.has_callback()) continue;
    Emit<v1::Callback>(env, message.callback(), CallbackLine);
    if (max_callbacks > 0 && ++seen >= max_callbacks) {
      context->TryCancel();
      reader->Finish().ok();
      return kExitOk;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return RpcFailed(status);
  return kExitOk;
}

int CallbacksAck(Env& env) {
  v1::AcknowledgeCallbacksRequest request;
  request.set_subscription(env.args.Get("subscription"));
  if (request.subscription().empty()) {
    return UsageError(env, "--subscription is required");
  }
  for (const std::string& cursor : env.operands) request.add_cursors(cursor);
  return CallAndEmit(env, &v1::CallbackFeedService::Stub::AcknowledgeCallbacks,
                     request, [&](const v1::AcknowledgeCallbacksResponse&) {
                       return AcknowledgedText(request);
                     });
}

}  // namespace jumio_gateway::client
