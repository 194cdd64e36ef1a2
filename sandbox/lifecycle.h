// How a workflow execution moves on after its creation: finalize starts
// processing, Tick completes it when its processing delay has passed, and an
// execution nobody finishes expires (token or session). Every end sends the
// callback, if the execution asked for one.
#ifndef JUMIO_GATEWAY_SANDBOX_LIFECYCLE_H_
#define JUMIO_GATEWAY_SANDBOX_LIFECYCLE_H_

#include <string>

#include "absl/time/time.h"
#include "sandbox/callbacks.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"
#include "sandbox/responses.h"
#include "sandbox/service_options.h"
#include "sandbox/state.h"
#include "server/http/message.h"

namespace jumio::sandbox {

class Lifecycle {
 public:
  Lifecycle(const ServiceOptions& options, const Clock* clock, IdSource* ids,
            CallbackSender* callbacks, State* state, const Links* links)
      : options_(options),
        clock_(clock),
        ids_(ids),
        callbacks_(callbacks),
        state_(state),
        links_(links) {}

  // PUT /api/v1/accounts/<account>/workflow-executions/<workflow> on the API
  // host.
  void Finalize(const Route& r, jumio_gateway::http::Response& res,
                const std::string& account_id, const std::string& workflow_id);

  // Finishes processing that is due and expires abandoned workflows. Called
  // periodically and cheap when nothing is due.
  void Tick();

  // Expires `w` if its token or session deadline passed.
  void MaybeExpire(const std::string& region, RegionState* st, Workflow* w,
                   absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu);

 private:
  void Complete(const std::string& region, RegionState* st, Workflow* w,
                absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->mu);
  void SendCallback(const std::string& region, const Workflow& w);

  const ServiceOptions options_;
  const Clock* clock_;
  IdSource* ids_;
  CallbackSender* callbacks_;
  State* state_;
  const Links* links_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_LIFECYCLE_H_
