// jumioctl's command table: every flag and every command with its operands,
// flags, summary and handler. Help text and dispatch both come from here, so
// a command cannot be runnable and undocumented or the other way round.
#ifndef JUMIO_GATEWAY_CLIENT_JUMIOCTL_COMMANDS_H_
#define JUMIO_GATEWAY_CLIENT_JUMIOCTL_COMMANDS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/jumioctl/args.h"
#include "client/jumioctl/env.h"

namespace jumio_gateway::client {

struct Command {
  std::string group;
  std::string verb;      // empty: a one-word command such as "verify"
  std::string operands;  // for usage
  std::string summary;
  std::vector<std::string> flags;
  size_t min_operands;
  size_t max_operands;
  int (*run)(Env&);
};

// Every flag any command takes, global ones included.
const std::vector<FlagSpec>& AllFlags();
// The flags every command takes.
const std::vector<std::string>& GlobalFlags();
const FlagSpec* FindFlag(const std::string& name);

const std::vector<Command>& Commands();

// The command named by the first two of `words` ("workflow", "wait", ...),
// or by the first one for a command without a verb ("verify"), or nullptr.
const Command* FindCommand(const std::vector<std::string>& words);

// "workflow wait", or "verify".
std::string CommandName(const Command& command);

// An InvalidArgument naming the words when they name no command.
absl::StatusOr<const Command*> ResolveCommand(
    const std::vector<std::string>& words);

// Whether `command` takes every flag in `given` and `operand_count`
// operands; an InvalidArgument for people otherwise.
absl::Status CheckInvocation(const Command& command,
                             const std::vector<std::string>& given,
                             size_t operand_count);

// Every command with its summary, the global flags and the exit codes.
std::string GeneralHelp();
// A command's usage line, summary, own flags and the global flags.
std::string CommandHelp(const Command& command);

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_JUMIOCTL_COMMANDS_H_
