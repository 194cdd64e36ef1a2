#include "server/core/resource_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/regions.h"
#include "server/errors/errors.h"

namespace jumio_gateway::core {
namespace {

// What a segment holds; its position in the name decides.
enum class Segment { kRegion, kId, kClassifier };

struct Pattern {
  // Collection names, each followed by one segment of the matching kind.
  std::vector<absl::string_view> collections;
  std::vector<Segment> kinds;
  absl::string_view text;  // for the error message
};

const Pattern kAccount = {{"regions", "accounts"},
                          {Segment::kRegion, Segment::kId},
                          "regions/{region}/accounts/{account}"};
const Pattern kWorkflowExecution = {
    {"regions", "accounts", "workflowExecutions"},
    {Segment::kRegion, Segment::kId, Segment::kId},
    "regions/{region}/accounts/{account}/workflowExecutions/"
    "{workflow_execution}"};
const Pattern kPart = {
    {"regions", "accounts", "workflowExecutions", "credentials", "parts"},
    {Segment::kRegion, Segment::kId, Segment::kId, Segment::kId,
     Segment::kClassifier},
    "regions/{region}/accounts/{account}/workflowExecutions/"
    "{workflow_execution}/credentials/{credential}/parts/{classifier}"};
const Pattern kShortPart = {
    {"regions", "accounts", "credentials", "parts"},
    {Segment::kRegion, Segment::kId, Segment::kId, Segment::kClassifier},
    "regions/{region}/accounts/{account}/credentials/{credential}/parts/"
    "{classifier}"};

// The segments after each collection name of `name`, or an error naming
// `field`.
absl::StatusOr<std::vector<std::string>> Match(absl::string_view name,
                                               absl::string_view field,
                                               const Pattern& pattern) {
  if (name.empty()) return errors::InvalidField(field, "is required");
  std::vector<std::string> segments = absl::StrSplit(name, '/');
  if (segments.size() != pattern.collections.size() * 2) {
    return errors::InvalidField(
        field, absl::StrCat("must have the form ", pattern.text));
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < pattern.collections.size(); ++i) {
    if (segments[2 * i] != pattern.collections[i]) {
      return errors::InvalidField(
          field, absl::StrCat("must have the form ", pattern.text));
    }
    std::string& value = segments[2 * i + 1];
    switch (pattern.kinds[i]) {
      case Segment::kRegion:
        if (!IsKnownRegion(value)) {
          return errors::InvalidField(field,
                                      absl::StrCat("names an unknown region (",
                                                   KnownRegionList(), ")"));
        }
        break;
      case Segment::kId:
        if (!IsValidId(value)) {
          return errors::InvalidField(
              field, absl::StrCat("has an invalid ", pattern.collections[i],
                                  " id: 1 to 64 characters of [A-Za-z0-9-]"));
        }
        break;
      case Segment::kClassifier:
        if (!IsValidClassifier(value)) {
          return errors::InvalidField(
              field,
              "has an invalid classifier: 1 to 32 characters of [A-Z0-9_]");
        }
        break;
    }
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsValidClassifier(absl::string_view classifier) {
  if (classifier.empty() || classifier.size() > 32) return false;
  for (char c : classifier) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

std::string AccountName::Format() const {
  if (!IsKnownRegion(region) || !IsValidId(account)) return "";
  return absl::StrCat("regions/", region, "/accounts/", account);
}

std::string WorkflowExecutionName::Format() const {
  std::string parent = AccountName{region, account}.Format();
  if (parent.empty() || !IsValidId(workflow_execution)) return "";
  return absl::StrCat(parent, "/workflowExecutions/", workflow_execution);
}

std::string CredentialName::Format() const {
  std::string parent =
      WorkflowExecutionName{region, account, workflow_execution}.Format();
  if (parent.empty() || !IsValidId(credential)) return "";
  return absl::StrCat(parent, "/credentials/", credential);
}

std::string PartName::Format() const {
  if (!IsValidId(credential) || !IsValidClassifier(classifier)) return "";
  std::string parent =
      workflow_execution.empty()
          ? AccountName{region, account}.Format()
          : WorkflowExecutionName{region, account, workflow_execution}.Format();
  if (parent.empty()) return "";
  return absl::StrCat(parent, "/credentials/", credential, "/parts/",
                      classifier);
}

absl::StatusOr<AccountName> ParseAccountName(absl::string_view name,
                                             absl::string_view field) {
  auto ids = Match(name, field, kAccount);
  if (!ids.ok()) return ids.status();
  return AccountName{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<WorkflowExecutionName> ParseWorkflowExecutionName(
    absl::string_view name, absl::string_view field) {
  auto ids = Match(name, field, kWorkflowExecution);
  if (!ids.ok()) return ids.status();
  return WorkflowExecutionName{(*ids)[0], (*ids)[1], (*ids)[2]};
}

absl::StatusOr<PartName> ParsePartName(absl::string_view name,
                                       absl::string_view field,
                                       bool allow_short_form) {
  if (allow_short_form &&
      std::vector<absl::string_view>(absl::StrSplit(name, '/')).size() ==
          kShortPart.collections.size() * 2) {
    auto ids = Match(name, field, kShortPart);
    if (!ids.ok()) return ids.status();
    return PartName{(*ids)[0], (*ids)[1], "", (*ids)[2], (*ids)[3]};
  }
  auto ids = Match(name, field, kPart);
  if (!ids.ok()) return ids.status();
  return PartName{(*ids)[0], (*ids)[1], (*ids)[2], (*ids)[3], (*ids)[4]};
}

}  // namespace jumio_gateway::core
