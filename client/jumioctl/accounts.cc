// account create | update | get | delete.
#include <google/protobuf/util/time_util.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/account.grpc.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;
namespace pb = ::google::protobuf;

namespace {

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

}  // namespace

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
  return CallAndEmit(
      env, &v1::AccountService::Stub::CreateAccount, request,
      [](const v1::CreateAccountResponse& r) { return AcquisitionText(r); });
}

int AccountUpdate(Env& env) {
  v1::UpdateAccountRequest request;
  absl::Status parsed = LoadRequestJson(env, &request);
  request.set_name(env.operands[0]);
  if (parsed.ok()) parsed = ApplyAccountFlags(env, &request);
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  return CallAndEmit(
      env, &v1::AccountService::Stub::UpdateAccount, request,
      [](const v1::UpdateAccountResponse& r) { return AcquisitionText(r); });
}

int AccountGet(Env& env) {
  v1::GetAccountRequest request;
  request.set_name(env.operands[0]);
  return CallAndEmit(env, &v1::AccountService::Stub::GetAccount, request);
}

int AccountDelete(Env& env) {
  v1::DeleteAccountRequest request;
  request.set_name(env.operands[0]);
  request.set_allow_missing(env.args.GetBool("allow_missing").value_or(false));
  return CallAndEmit(
      env, &v1::AccountService::Stub::DeleteAccount, request,
      [&](const v1::DeleteAccountResponse& r) {
        return DeletedText(r.name().empty() ? request.name() : r.name());
      });
}

}  // namespace jumio_gateway::client
