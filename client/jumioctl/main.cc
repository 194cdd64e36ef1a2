// jumioctl: the jumio-gateway v1 API from a shell. One subcommand per RPC,
// human-readable output by default and protobuf JSON with --json, errors with
// their google.rpc details on stderr. See client/README.md.
//
// Exit codes: 0 success; 1 the RPC failed (or a download was incomplete);
// 2 usage error (bad flag, operand or request file); 3 `workflow wait` did not
// see the status it waited for (timed out, or the execution ended otherwise).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/gateway_client.h"
#include "client/jumioctl/args.h"
#include "client/output.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"

namespace jumio_gateway::client {
namespace {

namespace v1 = ::jumio::gateway::v1;
namespace pb = ::google::protobuf;

constexpr int kExitOk = 0;
constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotReached = 3;

constexpr char kDefaultGateway[] = "127.0.0.1:50051";
constexpr size_t kMaxChunk = 1024 * 1024;

// ---------------------------------------------------------------------------
// Flags

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
      "gateway", "deadline", "tls", "ca_file", "json", "show_secrets", "help"};
  return *kGlobal;
}

// ---------------------------------------------------------------------------
// Command context

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

// Prints `message` (a copy, with secrets redacted unless --show_secrets) as
// JSON or as `human` text (ToText when none).
template <typename M>
int Emit(const Env& env, M message,
         const std::function<std::string(const M&)>& human = nullptr) {
  if (!env.show_secrets) RedactSecrets(&message);
  if (env.json) {
    std::cout << ToJson(message);
  } else {
    std::cout << (human ? human(message) : ToText(message));
  }
  std::cout.flush();
  return kExitOk;
}

// ---------------------------------------------------------------------------
// Parsing helpers (errors are usage errors)

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status LoadRequestJson(const Env& env, pb::Message* request) {
  if (!env.args.Has("request_json")) return absl::OkStatus();
  const std::string path = env.args.Get("request_json");
  absl::StatusOr<std::string> json = ReadInput(path);
  if (!json.ok()) return json.status();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(*json, request, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--request_json ", path, " is not a ",
                     request->GetDescriptor()->full_name(), ": ",
                     std::string(status.message())));
  }
  return absl::OkStatus();
}

// Accepts the short value name in any case, with '-' for '_' ("emea-1",
// "passport"), or the full name ("REGION_EMEA_1").
absl::StatusOr<int> ParseEnum(const pb::EnumDescriptor& type,
                              const std::string& flag,
                              const std::string& text) {
  std::string upper = absl::AsciiStrToUpper(text);
  std::replace(upper.begin(), upper.end(), '-', '_');
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    const pb::EnumValueDescriptor* value = type.value(i);
    if (value->number() == 0) continue;
    const std::string short_name = ShortEnumName(type, value->number());
    names.push_back(absl::AsciiStrToLower(short_name));
    if (upper == short_name || upper == value->name()) return value->number();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, "=", text, ": expected one of ", absl::StrJoin(names, ", ")));
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag,
                                                 const std::string& text) {
  absl::Duration duration;
  int64_t days = 0;
  // absl durations stop at hours; Jumio token lifetimes are often in days.
  if (absl::EndsWith(text, "d") &&
      absl::SimpleAtoi(absl::string_view(text).substr(0, text.size() - 1),
                       &days)) {
    duration = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", text, ": expected a duration such as 30s, 5m, 2h"));
  }
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be positive"));
  }
  return duration;
}

absl::StatusOr<int64_t> ParseIntFlag(const Env& env, const std::string& flag,
                                     int64_t min, int64_t max) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(env.args.Get(flag), &value) || value < min ||
      value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", env.args.Get(flag),
                     ": expected an integer from ", min, " to ", max));
  }
  return value;
}

void ToDurationProto(absl::Duration d, pb::Duration* out) {
  out->set_seconds(absl::IDivDuration(d, absl::Seconds(1), &d));
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

// CATEGORY[:COUNTRY,COUNTRY...[:TYPE,TYPE...]]
absl::StatusOr<v1::CredentialDefinition> ParseCredential(
    const std::string& text) {
  std::vector<std::string> pieces = absl::StrSplit(text, ':');
  if (pieces.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--credential=", text, ": expected CATEGORY[:COUNTRIES[:TYPES]]"));
  }
  v1::CredentialDefinition credential;
  absl::StatusOr<int> category =
      ParseEnum(*v1::CredentialCategory_descriptor(), "credential", pieces[0]);
  if (!category.ok()) return category.status();
  credential.set_category(static_cast<v1::CredentialCategory>(*category));
  if (pieces.size() > 1 && !pieces[1].empty()) {
    credential.mutable_country()->set_predefined_type(
        v1::PREDEFINED_TYPE_DEFINED);
    for (absl::string_view c :
         absl::StrSplit(pieces[1], ',', absl::SkipEmpty())) {
      credential.mutable_country()->add_values(absl::AsciiStrToUpper(c));
    }
  }
  if (pieces.size() > 2 && !pieces[2].empty()) {
    credential.mutable_type()->set_predefined_type(v1::PREDEFINED_TYPE_DEFINED);
    for (absl::string_view t :
         absl::StrSplit(pieces[2], ',', absl::SkipEmpty())) {
      credential.mutable_type()->add_values(absl::AsciiStrToUpper(t));
    }
  }
  return credential;
}

// The request fields CreateAccountRequest and UpdateAccountRequest share (same
// names and meaning), from flags over whatever --request_json set.
template <typename Request>
absl::Status ApplyAccountFlags(const Env& env, Request* request) {
  const Args& a = env.args;
  if (a.Has("request_id")) request->set_request_id(a.Get("request_id"));
  if (a.Has("user_reference")) {
    request->set_user_reference(a.Get("user_reference"));
  }
  if (a.Has("customer_internal_reference")) {
    request->set_customer_internal_reference(
        a.Get("customer_internal_reference"));
  }
  if (a.Has("reporting_criteria")) {
    request->set_reporting_criteria(a.Get("reporting_criteria"));
  }
  if (a.Has("callback_url")) request->set_callback_url(a.Get("callback_url"));
  if (a.Has("token_lifetime")) {
    absl::StatusOr<absl::Duration> lifetime =
        ParseDurationFlag("token_lifetime", a.Get("token_lifetime"));
    if (!lifetime.ok()) return lifetime.status();
    ToDurationProto(*lifetime, request->mutable_token_lifetime());
  }
  if (a.Has("workflow_key")) {
    absl::StatusOr<int64_t> key =
        ParseIntFlag(env, "workflow_key", 1, INT64_MAX);
    if (!key.ok()) return key.status();
    request->mutable_workflow_definition()->set_key(*key);
  }
  for (const std::string& text : a.GetAll("credential")) {
    absl::StatusOr<v1::CredentialDefinition> credential = ParseCredential(text);
    if (!credential.ok()) return credential.status();
    *request->mutable_workflow_definition()->add_credentials() = *credential;
  }
  if (a.Has("user_ip")) {
    request->mutable_user_consent()->set_user_ip(a.Get("user_ip"));
  }
  if (a.Has("user_country")) {
    request->mutable_user_consent()->mutable_user_location()->set_country(
        a.Get("user_country"));
  }
  if (a.Has("user_state")) {
    request->mutable_user_consent()->mutable_user_location()->set_state(
        a.Get("user_state"));
  }
  if (a.Has("consent")) {
    absl::StatusOr<int> obtained = ParseEnum(*v1::ConsentObtained_descriptor(),
                                             "consent", a.Get("consent"));
    if (!obtained.ok()) return obtained.status();
    v1::Consent* consent = request->mutable_user_consent()->mutable_consent();
    consent->set_obtained(static_cast<v1::ConsentObtained>(*obtained));
    if (*obtained == v1::CONSENT_OBTAINED_YES && !a.Has("consent_time")) {
      *consent->mutable_obtained_time() = pb::util::TimeUtil::GetCurrentTime();
    }
  }
  if (a.Has("consent_time")) {
    pb::Timestamp when;
    if (!pb::util::TimeUtil::FromString(a.Get("consent_time"), &when)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--consent_time=", a.Get("consent_time"),
                       ": expected RFC 3339, e.g. 2024-05-01T12:00:00Z"));
    }
    *request->mutable_user_consent()
         ->mutable_consent()
         ->mutable_obtained_time() = when;
  }
  if (request->workflow_definition().key() == 0) {
    return absl::InvalidArgumentError(
        "--workflow_key is required (or workflowDefinition.key in "
        "--request_json)");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Human-readable renderings

std::string PartLabel(const v1::PartUploadTarget& part) {
  return part.classifier() != v1::CLASSIFIER_UNSPECIFIED
             ? ShortEnumName(*v1::Classifier_descriptor(), part.classifier())
             : part.raw_classifier();
}

std::string DecisionText(const v1::Decision& decision) {
  std::string type =
      decision.type() != v1::DECISION_TYPE_UNSPECIFIED
          ? ShortEnumName(*v1::DecisionType_descriptor(), decision.type())
          : decision.raw_type();
  std::string label =
      decision.label() != v1::DECISION_LABEL_UNSPECIFIED
          ? ShortEnumName(*v1::DecisionLabel_descriptor(), decision.label())
          : decision.raw_label();
  std::string text = type.empty() ? std::string("(none)") : type;
  if (!label.empty()) absl::StrAppend(&text, " (", label, ")");
  if (decision.has_risk_score()) {
    absl::StrAppend(&text, ", risk score ", decision.risk_score());
  }
  return text;
}

std::string StatusText(v1::WorkflowStatus status, const std::string& raw) {
  return status != v1::WORKFLOW_STATUS_UNSPECIFIED
             ? ShortEnumName(*v1::WorkflowStatus_descriptor(), status)
             : (raw.empty() ? std::string("UNSPECIFIED") : raw);
}

// Shared by create and update: what to upload next.
template <typename Response>
std::string AcquisitionText(const Response& r) {
  std::string out;
  absl::StrAppend(&out, "account:            ", r.account(), "\n",
                  "workflow execution: ", r.workflow_execution().name(), "\n");
  for (const auto& credential : r.workflow_execution().credentials()) {
    std::vector<std::string> channels;
    for (int c : credential.allowed_channels()) {
      channels.push_back(ShortEnumName(*v1::Channel_descriptor(), c));
    }
    const std::string category =
        credential.category() != v1::CREDENTIAL_CATEGORY_UNSPECIFIED
            ? ShortEnumName(*v1::CredentialCategory_descriptor(),
                            credential.category())
            : credential.raw_category();
    absl::StrAppend(&out, "credential ", category, " (channels ",
                    channels.empty() ? "none" : absl::StrJoin(channels, ","),
                    "): ", credential.name(), "\n");
    for (const auto& part : credential.api().parts()) {
      absl::StrAppend(&out, "  upload ", PartLabel(part), ": ", part.name(),
                      "\n");
    }
    if (!credential.api().token().empty()) {
      absl::StrAppend(&out, "  api token: ", credential.api().token(), "\n");
    }
  }
  if (r.has_web_client()) {
    absl::StrAppend(&out, "web client:         ", r.web_client().href(), "\n");
  }
  if (r.has_sdk()) {
    absl::StrAppend(&out, "sdk token:          ", r.sdk().token(), "\n");
  }
  return out;
}

std::string WorkflowExecutionText(const v1::GetWorkflowExecutionResponse& r) {
  const v1::WorkflowExecution& w = r.workflow_execution();
  std::string out;
  absl::StrAppend(
      &out, "workflow execution: ", w.name(), "\n",
      "status:             ", StatusText(w.status(), w.raw_status()), "\n");
  if (w.definition_key() != 0) {
    absl::StrAppend(&out, "definition key:     ", w.definition_key(), "\n");
  }
  if (!w.user_reference().empty()) {
    absl::StrAppend(&out, "user reference:     ", w.user_reference(), "\n");
  }
  if (!w.customer_internal_reference().empty()) {
    absl::StrAppend(
        &out, "customer reference: ", w.customer_internal_reference(), "\n");
  }
  if (w.has_decision()) {
    absl::StrAppend(&out, "decision:           ", DecisionText(w.decision()),
                    "\n");
  }
  // Every typed capability list carries `decision`; walk them by reflection
  // so that a capability added to the proto shows up without a change here.
  const pb::Message& caps = w.capabilities();
  const pb::Reflection& reflection = *caps.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection.ListFields(caps, &fields);
  std::string lines;
  for (const pb::FieldDescriptor* field : fields) {
    if (field->is_map() || !field->is_repeated() ||
        field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    for (int i = 0; i < reflection.FieldSize(caps, field); ++i) {
      const pb::Message& result = reflection.GetRepeatedMessage(caps, field, i);
      const pb::FieldDescriptor* decision_field =
          result.GetDescriptor()->FindFieldByName("decision");
      if (decision_field == nullptr) continue;
      v1::Decision decision;
      decision.CopyFrom(
          result.GetReflection()->GetMessage(result, decision_field));
      // Which credentials the result is about (usability runs once per
      // credential, so the name alone would be ambiguous).
      std::vector<std::string> about;
      const pb::FieldDescriptor* credentials_field =
          result.GetDescriptor()->FindFieldByName("credentials");
      if (credentials_field != nullptr && credentials_field->is_repeated() &&
          credentials_field->message_type() ==
              v1::CapabilityCredential::descriptor()) {
        for (int j = 0;
             j < result.GetReflection()->FieldSize(result, credentials_field);
             ++j) {
          v1::CapabilityCredential credential;
          credential.CopyFrom(result.GetReflection()->GetRepeatedMessage(
              result, credentials_field, j));
          about.push_back(
              credential.category() != v1::CREDENTIAL_CATEGORY_UNSPECIFIED
                  ? ShortEnumName(*v1::CredentialCategory_descriptor(),
                                  credential.category())
                  : credential.raw_category());
        }
      }
      absl::StrAppend(
          &lines, "  ", field->name(),
          std::string(field->name().size() < 30 ? 30 - field->name().size() : 1,
                      ' '),
          DecisionText(decision),
          about.empty() ? std::string()
                        : absl::StrCat("  [", absl::StrJoin(about, ","), "]"),
          "\n");
    }
  }
  for (const auto& [name, results] : w.capabilities().other()) {
    absl::StrAppend(&lines, "  ", name, " (", results.results_size(),
                    " results, not modelled)\n");
  }
  if (!lines.empty()) absl::StrAppend(&out, "capabilities:\n", lines);
  for (const v1::ExtractionResult& extraction : w.capabilities().extraction()) {
    if (!extraction.has_data()) continue;
    absl::StrAppend(&out, "extraction:\n", ToText(extraction.data(), 2));
  }
  bool parts_header = false;
  for (const v1::WorkflowCredential& credential : w.credentials()) {
    for (const v1::CredentialPart& part : credential.parts()) {
      if (!parts_header) absl::StrAppend(&out, "parts:\n");
      parts_header = true;
      const std::string label =
          part.classifier() != v1::CLASSIFIER_UNSPECIFIED
              ? ShortEnumName(*v1::Classifier_descriptor(), part.classifier())
              : part.raw_classifier();
      absl::StrAppend(&out, "  ", label, ": ", part.name(), "\n");
    }
  }
  if (w.has_raw()) absl::StrAppend(&out, "raw:\n", ToText(w.raw(), 2));
  return out;
}

std::string SummaryLine(const v1::WorkflowExecutionSummary& s) {
  return absl::StrCat(
      s.name(), "  ", StatusText(s.status(), s.raw_status()),
      s.definition_key() != 0
          ? absl::StrCat("  (workflow ", s.definition_key(), ")")
          : std::string(),
      "\n");
}

std::string CallbackLine(const v1::Callback& c) {
  std::string line = absl::StrCat(
      c.cursor(), "  ", ShortEnumName(*v1::Region_descriptor(), c.region()),
      "  ", c.workflow_execution().name(), "  ",
      StatusText(c.workflow_execution().status(),
                 c.workflow_execution().raw_status()));
  if (c.enrichment().has_decision()) {
    absl::StrAppend(&line, "  ", DecisionText(c.enrichment().decision()));
  }
  return line + "\n";
}

// A stored entry the gateway cannot decode: its cursor and why.
std::string UnreadableLine(const v1::UnreadableCallback& u) {
  return absl::StrCat(u.cursor(), "  UNREADABLE  ", u.reason(), "\n");
}

// ---------------------------------------------------------------------------
// Commands

int AccountCreate(Env& env) {
  v1::CreateAccountRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  if (parsed.ok() && env.args.Has("region")) {
    absl::StatusOr<int> region =
        ParseEnum(*v1::Region_descriptor(), "region", env.args.Get("region"));
    if (region.ok()) {
      request.set_region(static_cast<v1::Region>(*region));
    } else {
      parsed = region.status();
    }
  }
  if (parsed.ok()) parsed = ApplyAccountFlags(env, &request);
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  v1::CreateAccountResponse response;
  grpc::Status status =
      v1::AccountService::NewStub(env.channel)
          ->CreateAccount(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::CreateAccountResponse>(
      env, response, AcquisitionText<v1::CreateAccountResponse>);
}

int AccountUpdate(Env& env) {
  v1::UpdateAccountRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  request.set_name(env.operands[0]);
  if (parsed.ok()) parsed = ApplyAccountFlags(env, &request);
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  v1::UpdateAccountResponse response;
  grpc::Status status =
      v1::AccountService::NewStub(env.channel)
          ->UpdateAccount(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::UpdateAccountResponse>(
      env, response, AcquisitionText<v1::UpdateAccountResponse>);
}

int AccountGet(Env& env) {
  v1::GetAccountRequest request;
  request.set_name(env.operands[0]);
  v1::GetAccountResponse response;
  grpc::Status status =
      v1::AccountService::NewStub(env.channel)
          ->GetAccount(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit(env, response);
}

int AccountDelete(Env& env) {
  v1::DeleteAccountRequest request;
  request.set_name(env.operands[0]);
  request.set_allow_missing(env.args.GetBool("allow_missing").value_or(false));
  v1::DeleteAccountResponse response;
  grpc::Status status =
      v1::AccountService::NewStub(env.channel)
          ->DeleteAccount(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::DeleteAccountResponse>(
      env, response, [&](const v1::DeleteAccountResponse& r) {
        return absl::StrCat("deleted ",
                            r.name().empty() ? request.name() : r.name(), "\n");
      });
}

absl::StatusOr<size_t> ChunkSize(const Env& env, size_t fallback) {
  if (!env.args.Has("chunk_size")) return fallback;
  absl::StatusOr<int64_t> size = ParseIntFlag(env, "chunk_size", 1, kMaxChunk);
  if (!size.ok()) return size.status();
  return static_cast<size_t>(*size);
}

int PartUpload(Env& env) {
  v1::UploadCredentialPartMetadata metadata;
  absl::Status parsed = LoadRequestJson(env, &metadata);
  metadata.set_name(env.operands[0]);
  const std::string path = env.operands.size() > 1 ? env.operands[1] : "";
  if (parsed.ok() && env.args.Has("mode")) {
    absl::StatusOr<int> mode =
        ParseEnum(*v1::UploadMode_descriptor(), "mode", env.args.Get("mode"));
    if (mode.ok()) {
      metadata.set_mode(static_cast<v1::UploadMode>(*mode));
    } else {
      parsed = mode.status();
    }
  }
  if (env.args.Has("content_type")) {
    metadata.set_content_type(env.args.Get("content_type"));
  }
  if (env.args.Has("filename")) metadata.set_filename(env.args.Get("filename"));
  if (parsed.ok() && env.args.Has("credential_token_file")) {
    absl::StatusOr<std::string> token =
        ReadInput(env.args.Get("credential_token_file"));
    if (token.ok()) {
      metadata.set_credential_token(
          std::string(absl::StripAsciiWhitespace(*token)));
    } else {
      parsed = token.status();
    }
  }
  if (parsed.ok() && path.empty() && !metadata.has_prepared_data()) {
    parsed = absl::InvalidArgumentError(
        "part upload needs a FILE (or preparedData in --request_json)");
  }
  absl::StatusOr<size_t> chunk = ChunkSize(env, 256 * 1024);
  if (parsed.ok() && !chunk.ok()) parsed = chunk.status();
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  v1::UploadCredentialPartResponse response;
  auto stub = v1::CredentialService::NewStub(env.channel);
  grpc::Status status = UploadPartFromFile(*stub, Context(env).get(), metadata,
                                           path, *chunk, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::UploadCredentialPartResponse>(
      env, response, [&](const v1::UploadCredentialPartResponse& r) {
        return absl::StrCat(
            "uploaded ", path.empty() ? "prepared data" : path, " (",
            r.size_bytes(), " bytes, ", r.content_type(), ") to ",
            r.part().empty() ? metadata.name() : r.part(), "\n");
      });
}

int PartDownload(Env& env) {
  v1::GetCredentialPartRequest request;
  request.set_name(env.operands[0]);
  absl::StatusOr<size_t> chunk = ChunkSize(env, 0);
  if (!chunk.ok())
    return UsageError(env, std::string(chunk.status().message()));
  request.set_chunk_size_bytes(static_cast<int32_t>(*chunk));
  const std::string& path = env.operands[1];
  v1::CredentialPartMetadata metadata;
  int64_t written = 0;
  auto stub = v1::CredentialService::NewStub(env.channel);
  grpc::Status status = DownloadPartToFile(*stub, Context(env).get(), request,
                                           path, &metadata, &written);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::CredentialPartMetadata>(
      env, metadata, [&](const v1::CredentialPartMetadata& m) {
        return absl::StrCat("wrote ", written, " bytes (", m.content_type(),
                            ") to ", path, "\n");
      });
}

int WorkflowFinalize(Env& env) {
  v1::FinalizeWorkflowExecutionRequest request;
  request.set_name(env.operands[0]);
  v1::FinalizeWorkflowExecutionResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->FinalizeWorkflowExecution(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::FinalizeWorkflowExecutionResponse>(
      env, response, [&](const v1::FinalizeWorkflowExecutionResponse& r) {
        const std::string name = r.name().empty() ? request.name() : r.name();
        return absl::StrCat("finalized ", name,
                            "\nprocessing started; follow it with: jumioctl "
                            "workflow wait ",
                            name, "\n");
      });
}

int WorkflowStatus(Env& env) {
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(env.operands[0]);
  v1::GetWorkflowExecutionStatusResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->GetWorkflowExecutionStatus(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::GetWorkflowExecutionStatusResponse>(
      env, response, [](const v1::GetWorkflowExecutionStatusResponse& r) {
        return SummaryLine(r.workflow_execution());
      });
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
  v1::GetWorkflowExecutionResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->GetWorkflowExecution(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::GetWorkflowExecutionResponse>(env, response,
                                                WorkflowExecutionText);
}

template <typename Request>
absl::Status ApplyPaging(const Env& env, int32_t max, Request* request) {
  if (env.args.Has("page_size")) {
    absl::StatusOr<int64_t> size = ParseIntFlag(env, "page_size", 1, max);
    if (!size.ok()) return size.status();
    request->set_page_size(static_cast<int32_t>(*size));
  }
  if (env.args.Has("page_token")) {
    request->set_page_token(env.args.Get("page_token"));
  }
  return absl::OkStatus();
}

std::string NextPageText(const std::string& token) {
  return token.empty() ? std::string()
                       : absl::StrCat("next page: --page_token=", token, "\n");
}

int WorkflowSteps(Env& env) {
  v1::ListWorkflowExecutionStepsRequest request;
  request.set_parent(env.operands[0]);
  absl::Status paging = ApplyPaging(env, 100, &request);
  if (!paging.ok()) return UsageError(env, std::string(paging.message()));
  v1::ListWorkflowExecutionStepsResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->ListWorkflowExecutionSteps(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::ListWorkflowExecutionStepsResponse>(
      env, response, [](const v1::ListWorkflowExecutionStepsResponse& r) {
        std::string out;
        for (const v1::WorkflowStep& step : r.steps()) {
          const std::string name =
              step.step_name() != v1::WORKFLOW_STEP_NAME_UNSPECIFIED
                  ? ShortEnumName(*v1::WorkflowStepName_descriptor(),
                                  step.step_name())
                  : step.raw_step_name();
          absl::StrAppend(&out, name, "  ", DecisionText(step.decision()),
                          "  capabilities ",
                          absl::StrJoin(step.capability_ids(), ","), "\n");
        }
        if (r.steps().empty()) out = "no steps\n";
        return out + NextPageText(r.next_page_token());
      });
}

int WorkflowList(Env& env) {
  v1::ListWorkflowExecutionsRequest request;
  request.set_parent(env.operands[0]);
  absl::Status paging = ApplyPaging(env, 1000, &request);
  if (!paging.ok()) return UsageError(env, std::string(paging.message()));
  v1::ListWorkflowExecutionsResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->ListWorkflowExecutions(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::ListWorkflowExecutionsResponse>(
      env, response, [](const v1::ListWorkflowExecutionsResponse& r) {
        std::string out;
        for (const auto& w : r.workflow_executions()) out += SummaryLine(w);
        if (r.workflow_executions().empty()) out = "no workflow executions\n";
        return out + NextPageText(r.next_page_token());
      });
}

int WorkflowDelete(Env& env) {
  v1::DeleteWorkflowExecutionRequest request;
  request.set_name(env.operands[0]);
  request.set_allow_missing(env.args.GetBool("allow_missing").value_or(false));
  v1::DeleteWorkflowExecutionResponse response;
  grpc::Status status =
      v1::WorkflowExecutionService::NewStub(env.channel)
          ->DeleteWorkflowExecution(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::DeleteWorkflowExecutionResponse>(
      env, response, [&](const v1::DeleteWorkflowExecutionResponse& r) {
        return absl::StrCat("deleted ",
                            r.name().empty() ? request.name() : r.name(), "\n");
      });
}

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
        return Emit<v1::GetWorkflowExecutionStatusResponse>(
            env, response, [](const v1::GetWorkflowExecutionStatusResponse& r) {
              return SummaryLine(r.workflow_execution());
            });
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

int PlatformStatus(Env& env) {
  v1::GetPlatformStatusRequest request;
  for (const std::string& text : env.args.GetAll("region")) {
    absl::StatusOr<int> region =
        ParseEnum(*v1::Region_descriptor(), "region", text);
    if (!region.ok())
      return UsageError(env, std::string(region.status().message()));
    request.add_regions(static_cast<v1::Region>(*region));
  }
  v1::GetPlatformStatusResponse response;
  grpc::Status status =
      v1::PlatformService::NewStub(env.channel)
          ->GetPlatformStatus(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::GetPlatformStatusResponse>(
      env, response, [](const v1::GetPlatformStatusResponse& r) {
        std::string out;
        for (const v1::RegionPlatformStatus& s : r.statuses()) {
          std::string region = absl::AsciiStrToLower(
              ShortEnumName(*v1::Region_descriptor(), s.region()));
          std::replace(region.begin(), region.end(), '_', '-');
          absl::StrAppend(
              &out, region, "  ",
              s.status() != v1::HEALTH_STATUS_UNSPECIFIED
                  ? ShortEnumName(*v1::HealthStatus_descriptor(), s.status())
                  : (s.raw_status().empty() ? "UNKNOWN" : s.raw_status()));
          for (const auto& [service, health] : s.services().raw()) {
            absl::StrAppend(&out, "  ", service, "=", health);
          }
          if (s.error_reason() != v1::ERROR_REASON_UNSPECIFIED) {
            absl::StrAppend(
                &out, "  error ",
                ShortEnumName(*v1::ErrorReason_descriptor(), s.error_reason()),
                ": ", s.error_message());
          }
          out += "\n";
        }
        return out;
      });
}

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

int CallbacksList(Env& env) {
  v1::ListCallbacksRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  if (parsed.ok()) parsed = ApplyCallbackFilter(env, request.mutable_filter());
  if (parsed.ok()) {
    parsed = ApplyPaging(env, 1000, &request);
  }
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  v1::ListCallbacksResponse response;
  grpc::Status status =
      v1::CallbackFeedService::NewStub(env.channel)
          ->ListCallbacks(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::ListCallbacksResponse>(
      env, response, [](const v1::ListCallbacksResponse& r) {
        std::string out;
        for (const v1::Callback& c : r.callbacks()) out += CallbackLine(c);
        for (const v1::UnreadableCallback& u : r.unreadable_callbacks()) {
          out += UnreadableLine(u);
        }
        if (r.callbacks().empty() && r.unreadable_callbacks().empty()) {
          out = "no callbacks\n";
        }
        return out + NextPageText(r.next_page_token());
      });
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
      if (heartbeats) {
        std::cerr << "heartbeat "
                  << pb::util::TimeUtil::ToString(
                         message.heartbeat().send_time())
                  << " scanned " << message.heartbeat().scanned_cursor()
                  << "\n";
      }
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
  v1::AcknowledgeCallbacksResponse response;
  grpc::Status status =
      v1::CallbackFeedService::NewStub(env.channel)
          ->AcknowledgeCallbacks(Context(env).get(), request, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::AcknowledgeCallbacksResponse>(
      env, response, [&](const v1::AcknowledgeCallbacksResponse&) {
        return absl::StrCat("acknowledged ", request.cursors_size(),
                            " callbacks for ", request.subscription(), "\n");
      });
}

// ---------------------------------------------------------------------------
// Command table and help

struct Command {
  std::string group;
  std::string verb;
  std::string operands;  // for usage
  std::string summary;
  std::vector<std::string> flags;
  size_t min_operands;
  size_t max_operands;
  int (*run)(Env&);
};

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
  };
  return *kCommands;
}

const FlagSpec* FindFlag(const std::string& name) {
  for (const FlagSpec& spec : AllFlags()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string FlagHelp(const std::string& name) {
  const FlagSpec* spec = FindFlag(name);
  if (spec == nullptr) return "";
  std::string left = absl::StrCat("  --", spec->name);
  if (!spec->is_bool) absl::StrAppend(&left, "=", spec->value_name);
  if (left.size() < 36) left.resize(36, ' ');
  return absl::StrCat(left, " ", spec->help, "\n");
}

std::string GeneralHelp() {
  std::string out =
      "jumioctl: call the jumio-gateway v1 API.\n\n"
      "usage: jumioctl [global flags] GROUP VERB [operands] [flags]\n\n"
      "commands:\n";
  for (const Command& c : Commands()) {
    std::string left =
        absl::StrCat("  ", c.group, " ", c.verb, " ", c.operands);
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
      "error,\n3 workflow wait did not see the status.\n"
      "'jumioctl GROUP VERB --help' lists a command's flags.\n");
  return out;
}

std::string CommandHelp(const Command& c) {
  std::string out = absl::StrCat("usage: jumioctl ", c.group, " ", c.verb,
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
  const Command* command = nullptr;
  if (command_words.size() >= 2) {
    for (const Command& c : Commands()) {
      if (c.group == command_words[0] && c.verb == command_words[1])
        command = &c;
    }
  }
  if (help) {
    std::cout << (command != nullptr ? CommandHelp(*command) : GeneralHelp());
    return kExitOk;
  }
  if (words.empty()) {
    std::cerr << GeneralHelp();
    return kExitUsage;
  }
  if (command == nullptr) {
    return UsageError(
        env, absl::StrCat(
                 "unknown command \"",
                 absl::StrJoin(
                     words.begin(),
                     words.begin() + std::min<size_t>(2, words.size()), " "),
                 "\""));
  }
  env.command = absl::StrCat(command->group, " ", command->verb);
  for (const std::string& flag : env.args.given()) {
    const bool global = std::find(GlobalFlags().begin(), GlobalFlags().end(),
                                  flag) != GlobalFlags().end();
    const bool own = std::find(command->flags.begin(), command->flags.end(),
                               flag) != command->flags.end();
    if (!global && !own) {
      return UsageError(env, absl::StrCat("--", flag, " is not a flag of '",
                                          env.command, "'"));
    }
  }
  env.operands.assign(words.begin() + 2, words.end());
  if (env.operands.size() < command->min_operands ||
      env.operands.size() > command->max_operands) {
    return UsageError(env, absl::StrCat("usage: jumioctl ", env.command, " ",
                                        command->operands, " (got ",
                                        env.operands.size(), " operands)"));
  }
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
