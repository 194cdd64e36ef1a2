// The commands' handlers, one file per command group. Each runs one command
// whose flags and operand count main.cc has already checked against the
// table in commands.cc, and returns the process exit code.
#ifndef JUMIO_GATEWAY_CLIENT_JUMIOCTL_HANDLERS_H_
#define JUMIO_GATEWAY_CLIENT_JUMIOCTL_HANDLERS_H_

#include "client/jumioctl/env.h"

namespace jumio_gateway::client {

// accounts.cc
int AccountCreate(Env& env);
int AccountUpdate(Env& env);
int AccountGet(Env& env);
int AccountDelete(Env& env);

// parts.cc
int PartUpload(Env& env);
int PartDownload(Env& env);

// workflows.cc
int WorkflowFinalize(Env& env);
int WorkflowStatus(Env& env);
int WorkflowWait(Env& env);
int WorkflowGet(Env& env);
int WorkflowSteps(Env& env);
int WorkflowList(Env& env);
int WorkflowDelete(Env& env);

// platform.cc
int PlatformStatus(Env& env);

// callbacks.cc
int CallbacksList(Env& env);
int CallbacksWatch(Env& env);
int CallbacksAck(Env& env);

// verify.cc
int Verify(Env& env);

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_JUMIOCTL_HANDLERS_H_
