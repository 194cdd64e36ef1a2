// jumioctl: the jumio-gateway v1 API from a shell. One subcommand per RPC,
// human-readable output by default and protobuf JSON with --json, errors with
// their google.rpc details on stderr. See client/README.md.
//
// Exit codes: 0 success; 1 the RPC failed (or a download was incomplete);
// 2 usage error (bad flag, operand or request file); 3 `workflow wait` did not
// see the status it waited for (timed out, or the execution ended otherwise).
//
// This file turns the command line into an Env and dispatches through the
// command table (commands.cc); the commands live in one file per group and
// their text in client/output.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/gateway_client.h"
#include "client/jumioctl/args.h"
#include "client/jumioctl/commands.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/request_flags.h"

namespace jumio_gateway::client {
namespace {

constexpr char kDefaultGateway[] = "127.0.0.1:50051";

int Main(int argc, char** argv) {
  // gRPC's own log lines (a failed TLS handshake, say) would repeat on stderr
  // what the failed call's status already says, in a less readable form.
  // GRPC_VERBOSITY=ERROR (or DEBUG) in the environment brings them back.
  setenv("GRPC_VERBOSITY", "NONE", /*overwrite=*/0);
  std::vector<std::string> raw(argv + 1, argv + argc);
  Env env;
  absl::StatusOr<Args> parsed = Args::Parse(raw, AllFlags());
  if (!parsed.ok())
    return UsageError(env, std::string(parsed.status().message()));
  env.args = *std::move(parsed);
  const std::vector<std::string>& words = env.args.positional();
  const bool help = env.args.GetBool("help").value_or(false) ||
                    (!words.empty() && words[0] == "help");
  std::vector<std::string> command_words = words;
  if (!command_words.empty() && command_words[0] == "help") {
    command_words.erase(command_words.begin());
  }
  const Command* command = FindCommand(command_words);
  if (help) {
    std::cout << (command != nullptr ? CommandHelp(*command) : GeneralHelp());
    return kExitOk;
  }
  if (words.empty()) {
    std::cerr << GeneralHelp();
    return kExitUsage;
  }
  absl::StatusOr<const Command*> resolved = ResolveCommand(words);
  if (!resolved.ok()) {
    return UsageError(env, std::string(resolved.status().message()));
  }
  command = *resolved;
  env.command = CommandName(*command);
  env.operands.assign(words.begin() + (command->verb.empty() ? 1 : 2),
                      words.end());
  absl::Status usable =
      CheckInvocation(*command, env.args.given(), env.operands.size());
  if (!usable.ok()) return UsageError(env, std::string(usable.message()));
  if (env.args.Has("deadline")) {
    absl::StatusOr<absl::Duration> deadline =
        ParseDurationFlag("deadline", env.args.Get("deadline"));
    if (!deadline.ok()) {
      return UsageError(env, std::string(deadline.status().message()));
    }
    env.deadline = *deadline;
    env.deadline_given = true;
  }
  env.json = env.args.GetBool("json").value_or(false);
  env.show_secrets = env.args.GetBool("show_secrets").value_or(false);

  ConnectionOptions connection;
  const char* from_env = std::getenv("JUMIOCTL_GATEWAY");
  connection.target = env.args.Get(
      "gateway",
      from_env != nullptr && *from_env != '\0' ? from_env : kDefaultGateway);
  connection.tls = env.args.GetBool("tls");
  connection.ca_file = env.args.Get("ca_file");
  connection.cert_file = env.args.Get("cert_file");
  connection.key_file = env.args.Get("key_file");
  connection.token_file = env.args.Get("token_file");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Connect(connection);
  if (!channel.ok()) {
    return UsageError(env, std::string(channel.status().message()));
  }
  env.channel = *std::move(channel);
  return command->run(env);
}

}  // namespace
}  // namespace jumio_gateway::client

int main(int argc, char** argv) {
  return jumio_gateway::client::Main(argc, argv);
}
