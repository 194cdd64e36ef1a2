#include "client/jumioctl/commands.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/jumioctl/handlers.h"

namespace jumio_gateway::client {

const std::vector<FlagSpec>& AllFlags() {
  static const auto* const kFlags = new std::vector<FlagSpec>{
      // Global.
      {"gateway", false, false, "HOST:PORT",
       "gateway address (default $JUMIOCTL_GATEWAY, else 127.0.0.1:50051)"},
      {"deadline", false, false, "DURATION",
       "deadline of each call, e.g. 30s, 2m (default 30s; watch: none)"},
      {"tls", true, false, "",
       "TLS to the gateway (default: on unless the address is loopback; "
       "--notls forces plaintext)"},
      {"ca_file", false, false, "FILE",
       "PEM roots to verify the gateway with (implies --tls)"},
      {"cert_file", false, false, "FILE",
       "this caller's PEM certificate chain, for mTLS (with --key_file; "
       "implies --tls)"},
      {"key_file", false, false, "FILE", "the PEM key of --cert_file"},
      {"token_file", false, false, "FILE",
       "a file holding this caller's bearer token (sent over TLS, or "
       "plaintext to loopback only)"},
      {"json", true, false, "", "print protobuf JSON instead of text"},
      {"show_secrets", true, false, "",
       "print web links and SDK/API tokens instead of REDACTED"},
      {"help", true, false, "", "show help"},
      // Requests.
      {"request_json", false, false, "FILE",
       "the request (upload: its metadata) as protobuf JSON; '-' reads stdin; "
       "flags given as well override its fields"},
      {"region", false, true, "REGION", "amer-1, emea-1 or apac-1"},
      {"workflow_key", false, false, "KEY", "workflow definition key, e.g. 3"},
      {"user_reference", false, false, "TEXT", "Jumio userReference (no PII)"},
      {"customer_internal_reference", false, false, "TEXT",
       "Jumio customerInternalReference (no PII)"},
      {"reporting_criteria", false, false, "TEXT", "Jumio reportingCriteria"},
      {"callback_url", false, false, "URL", "Jumio callbackUrl (https)"},
      {"token_lifetime", false, false, "DURATION",
       "Jumio tokenLifetime, 5m to 60d (e.g. 30m, 2h, 7d)"},
      {"request_id", false, false, "UUID",
       "idempotency key: a retried call with the same key and body returns "
       "the first result"},
      {"credential", false, true, "CATEGORY[:COUNTRIES[:TYPES]]",
       "customise a credential, e.g. ID:USA,CAN:PASSPORT,ID_CARD "
       "(repeatable)"},
      {"user_ip", false, false, "IP", "userConsent.userIp"},
      {"user_country", false, false, "ALPHA3",
       "userConsent.userLocation.country, e.g. USA"},
      {"user_state", false, false, "STATE", "userConsent.userLocation.state"},
      {"consent", false, false, "yes|no|na", "userConsent.consent.obtained"},
      {"consent_time", false, false, "RFC3339",
       "userConsent.consent.obtainedAt (default now when --consent=yes)"},
      {"allow_missing", true, false, "",
       "succeed when the resource does not exist"},
      {"mode", false, false, "add|replace", "upload mode (default add)"},
      {"content_type", false, false, "MIME",
       "content type (default: detected from the bytes)"},
      {"filename", false, false, "NAME",
       "file name in the multipart form (default: the file's base name)"},
      {"credential_token_file", false, false, "FILE",
       "authorise the upload with this credential api.token (read from a "
       "file so that it stays out of shell history and ps)"},
      {"chunk_size", false, false, "BYTES",
       "bytes per stream message (upload default 262144, max 1048576)"},
      {"fields", false, false, "PATHS",
       "read mask, e.g. decision,capabilities.extraction"},
      {"view", false, false, "basic|full",
       "full adds Jumio's complete document as `raw`"},
      {"page_size", false, false, "N", "maximum items per page"},
      {"page_token", false, false, "TOKEN",
       "next_page_token of a previous call"},
      {"for", false, false, "STATUS", "status to wait for (default PROCESSED)"},
      {"timeout", false, false, "DURATION",
       "give up waiting after this long (default 2m)"},
      {"interval", false, false, "DURATION",
       "time between status polls (default 1s)"},
      {"poll_schedule", false, false, "DURATIONS",
       "verify: when to poll the status after finalize, a comma list "
       "(default Jumio's retrieval schedule, 40s,60s,100s,...,940s)"},
      {"account", false, true, "NAME", "only callbacks of this account"},
      {"workflow_execution", false, true, "NAME",
       "only callbacks of this workflow execution"},
      {"status", false, true, "STATUS",
       "only callbacks with this workflow status"},
      {"subscription", false, false, "ID",
       "durable subscription: delivery resumes after the last acknowledged "
       "callback"},
      {"after_cursor", false, false, "CURSOR", "resume after this cursor"},
      {"from", false, false, "earliest|latest",
       "where to start without a cursor (default latest)"},
      {"max_callbacks", false, false, "N", "stop after N callbacks"},
      {"heartbeats", true, false, "", "also print heartbeats (to stderr)"},
  };
  return *kFlags;
}

const std::vector<std::string>& GlobalFlags() {
  static const auto* const kGlobal = new std::vector<std::string>{
      "gateway",  "deadline",   "tls",  "ca_file",      "cert_file",
      "key_file", "token_file", "json", "show_secrets", "help"};
  return *kGlobal;
}

const std::vector<Command>& Commands() {
  static const std::vector<std::string> kAccountFields = {
      "request_json",
      "workflow_key",
      "user_reference",
      "customer_internal_reference",
      "reporting_criteria",
      "callback_url",
      "token_lifetime",
      "request_id",
      "credential",
      "user_ip",
      "user_country",
      "user_state",
      "consent",
      "consent_time"};
  auto with = [](std::vector<std::string> flags,
                 std::vector<std::string> more) {
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  };
  static const auto* const kCommands = new std::vector<Command>{
      {"account", "create", "",
       "create an account and start a workflow execution (CreateAccount)",
       with(kAccountFields, {"region"}), 0, 0, AccountCreate},
      {"account", "update", "ACCOUNT",
       "start another workflow execution on an account (UpdateAccount)",
       kAccountFields, 1, 1, AccountUpdate},
      {"account",
       "get",
       "ACCOUNT",
       "show an account (GetAccount)",
       {},
       1,
       1,
       AccountGet},
      {"account",
       "delete",
       "ACCOUNT",
       "delete an account with all its data (DeleteAccount)",
       {"allow_missing"},
       1,
       1,
       AccountDelete},
      {"part",
       "upload",
       "PART [FILE]",
       "upload a credential part from a file, in chunks (UploadCredentialPart)",
       {"request_json", "mode", "content_type", "filename",
        "credential_token_file", "chunk_size"},
       1,
       2,
       PartUpload},
      {"part",
       "download",
       "PART FILE",
       "download a credential part into a file (GetCredentialPart)",
       {"chunk_size"},
       2,
       2,
       PartDownload},
      {"workflow",
       "finalize",
       "WORKFLOW_EXECUTION",
       "send the uploaded parts to processing (FinalizeWorkflowExecution)",
       {},
       1,
       1,
       WorkflowFinalize},
      {"workflow",
       "status",
       "WORKFLOW_EXECUTION",
       "show the status (GetWorkflowExecutionStatus)",
       {},
       1,
       1,
       WorkflowStatus},
      {"workflow",
       "wait",
       "WORKFLOW_EXECUTION",
       "poll the status until it is --for (default PROCESSED); exit 3 if it "
       "never is",
       {"for", "timeout", "interval"},
       1,
       1,
       WorkflowWait},
      {"workflow",
       "get",
       "WORKFLOW_EXECUTION",
       "show decision, capabilities and extraction (GetWorkflowExecution)",
       {"fields", "view"},
       1,
       1,
       WorkflowGet},
      {"workflow",
       "steps",
       "WORKFLOW_EXECUTION",
       "list the steps (ListWorkflowExecutionSteps)",
       {"page_size", "page_token"},
       1,
       1,
       WorkflowSteps},
      {"workflow",
       "list",
       "ACCOUNT",
       "list an account's workflow executions (ListWorkflowExecutions)",
       {"page_size", "page_token"},
       1,
       1,
       WorkflowList},
      {"workflow",
       "delete",
       "WORKFLOW_EXECUTION",
       "delete one workflow execution (DeleteWorkflowExecution)",
       {"allow_missing"},
       1,
       1,
       WorkflowDelete},
      {"platform",
       "status",
       "",
       "Jumio's platform status per region (GetPlatformStatus)",
       {"region"},
       0,
       0,
       PlatformStatus},
      {"callbacks",
       "list",
       "",
       "list stored callbacks (ListCallbacks)",
       {"request_json", "region", "account", "workflow_execution", "status",
        "page_size", "page_token"},
       0,
       0,
       CallbacksList},
      {"callbacks",
       "watch",
       "",
       "stream callbacks as they arrive (WatchCallbacks)",
       {"request_json", "region", "account", "workflow_execution", "status",
        "subscription", "after_cursor", "from", "max_callbacks", "heartbeats"},
       0,
       0,
       CallbacksWatch},
      {"callbacks",
       "ack",
       "CURSOR...",
       "acknowledge callbacks of a subscription (AcknowledgeCallbacks)",
       {"subscription"},
       1,
       1000,
       CallbacksAck},
      {"verify",
       "",
       "FRONT BACK [FACE]",
       "run a whole verification: create (with a request id), upload, "
       "finalize, wait for the result on the callback stream with status "
       "polls as a fallback, print the decision; exit 3 if no final status "
       "came within --timeout",
       {"region", "workflow_key", "user_reference",
        "customer_internal_reference", "request_id", "timeout",
        "poll_schedule"},
       2,
       3,
       Verify},
  };
  return *kCommands;
}

const Command* FindCommand(const std::vector<std::string>& words) {
  const Command* command = nullptr;
  for (const Command& c : Commands()) {
    if (words.empty() || c.group != words[0]) continue;
    if (c.verb.empty() || (words.size() >= 2 && c.verb == words[1])) {
      command = &c;
    }
  }
  return command;
}

std::string CommandName(const Command& command) {
  return command.verb.empty() ? command.group
                              : absl::StrCat(command.group, " ", command.verb);
}

absl::StatusOr<const Command*> ResolveCommand(
    const std::vector<std::string>& words) {
  const Command* command = FindCommand(words);
  if (command != nullptr) return command;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown command \"",
      absl::StrJoin(words.begin(),
                    words.begin() + std::min<size_t>(2, words.size()), " "),
      "\""));
}

absl::Status CheckInvocation(const Command& command,
                             const std::vector<std::string>& given,
                             size_t operand_count) {
  const std::string name = CommandName(command);
  for (const std::string& flag : given) {
    const bool global = std::find(GlobalFlags().begin(), GlobalFlags().end(),
                                  flag) != GlobalFlags().end();
    const bool own = std::find(command.flags.begin(), command.flags.end(),
                               flag) != command.flags.end();
    if (!global && !own) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " is not a flag of '", name, "'"));
    }
  }
  if (operand_count < command.min_operands ||
      operand_count > command.max_operands) {
    return absl::InvalidArgumentError(
        absl::StrCat("usage: jumioctl ", name, " ", command.operands, " (got ",
                     operand_count, " operands)"));
  }
  return absl::OkStatus();
}

const FlagSpec* FindFlag(const std::string& name) {
  for (const FlagSpec& spec : AllFlags()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

namespace {

std::string FlagHelp(const std::string& name) {
  const FlagSpec* spec = FindFlag(name);
  if (spec == nullptr) return "";
  std::string left = absl::StrCat("  --", spec->name);
  if (!spec->is_bool) absl::StrAppend(&left, "=", spec->value_name);
  if (left.size() < 36) left.resize(36, ' ');
  return absl::StrCat(left, " ", spec->help, "\n");
}

}  // namespace

std::string GeneralHelp() {
  std::string out =
      "jumioctl: call the jumio-gateway v1 API.\n\n"
      "usage: jumioctl [global flags] GROUP VERB [operands] [flags]\n\n"
      "commands:\n";
  for (const Command& c : Commands()) {
    std::string left = absl::StrCat("  ", CommandName(c), " ", c.operands);
    if (left.size() < 44) left.resize(44, ' ');
    absl::StrAppend(&out, left, " ", c.summary, "\n");
  }
  absl::StrAppend(&out, "\nglobal flags:\n");
  for (const std::string& flag : GlobalFlags()) out += FlagHelp(flag);
  absl::StrAppend(
      &out,
      "\nNames are resource names as the gateway returns them, e.g.\n"
      "regions/emea-1/accounts/ACCOUNT/workflowExecutions/WORKFLOW.\n"
      "Exit codes: 0 ok, 1 the call failed (details on stderr), 2 usage "
      "error,\n3 workflow wait did not see the status, or verify saw no final "
      "status in time.\n"
      "'jumioctl GROUP VERB --help' lists a command's flags.\n");
  return out;
}

std::string CommandHelp(const Command& c) {
  std::string out = absl::StrCat("usage: jumioctl ", CommandName(c),
                                 c.operands.empty() ? "" : " ", c.operands,
                                 " [flags]\n\n", c.summary, "\n");
  if (!c.flags.empty()) {
    absl::StrAppend(&out, "\nflags:\n");
    for (const std::string& flag : c.flags) out += FlagHelp(flag);
  }
  absl::StrAppend(&out, "\nglobal flags:\n");
  for (const std::string& flag : GlobalFlags()) out += FlagHelp(flag);
  return out;
}

}  // namespace jumio_gateway::client
