#include "server/api/resource_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/config/endpoints.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

absl::Status Malformed(absl::string_view field, absl::string_view pattern) {
  return errors::InvalidField(field,
                              absl::StrCat("must have the form ", pattern));
}

// Splits `name` and checks the literal segments (even positions) against
// `literals`; the odd positions are ids. Returns the ids, or an error naming
// `field`.
absl::StatusOr<std::vector<std::string>> Match(
    absl::string_view name, absl::string_view field,
    const std::vector<absl::string_view>& literals, absl::string_view pattern) {
  std::vector<std::string> segments = absl::StrSplit(name, '/');
  if (segments.size() != literals.size() * 2) return Malformed(field, pattern);
  std::vector<std::string> ids;
  for (size_t i = 0; i < segments.size(); i += 2) {
    if (segments[i] != literals[i / 2]) return Malformed(field, pattern);
    const std::string& id = segments[i + 1];
    if (i == 0) {
      if (!config::IsKnownRegion(id)) {
        return errors::InvalidField(
            field, "names an unknown region (amer-1, emea-1, apac-1)");
      }
    } else if (!IsSafeId(id)) {
      return errors::InvalidField(
          field, absl::StrCat("has an invalid ", literals[i / 2],
                              " id: 1 to 64 characters of [A-Za-z0-9_-]"));
    }
    ids.push_back(id);
  }
  return ids;
}

constexpr char kAccountPattern[] = "regions/{region}/accounts/{account}";
constexpr char kWorkflowPattern[] =
    "regions/{region}/accounts/{account}/workflowExecutions/"
    "{workflow_execution}";
constexpr char kPartPattern[] =
    "regions/{region}/accounts/{account}/workflowExecutions/"
    "{workflow_execution}/credentials/{credential}/parts/{classifier}";
constexpr char kShortPartPattern[] =
    "regions/{region}/accounts/{account}/credentials/{credential}/parts/"
    "{classifier}";

}  // namespace

std::string AccountName::Format() const {
  return absl::StrCat("regions/", region, "/accounts/", account);
}

std::string WorkflowExecutionName::Format() const {
  return absl::StrCat("regions/", region, "/accounts/", account,
                      "/workflowExecutions/", workflow_execution);
}

std::string PartName::Format() const {
  if (workflow_execution.empty()) {
    return absl::StrCat("regions/", region, "/accounts/", account,
                        "/credentials/", credential, "/parts/", classifier);
  }
  return absl::StrCat("regions/", region, "/accounts/", account,
                      "/workflowExecutions/", workflow_execution,
                      "/credentials/", credential, "/parts/", classifier);
}

bool IsSafeId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<AccountName> ParseAccountName(absl::string_view name,
                                             absl::string_view field) {
  if (name.empty()) return errors::InvalidField(field, "is required");
  auto ids = Match(name, field, {"regions", "accounts"}, kAccountPattern);
  if (!ids.ok()) return ids.status();
  return AccountName{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<WorkflowExecutionName> ParseWorkflowExecutionName(
    absl::string_view name, absl::string_view field) {
  if (name.empty()) return errors::InvalidField(field, "is required");
  auto ids = Match(name, field, {"regions", "accounts", "workflowExecutions"},
                   kWorkflowPattern);
  if (!ids.ok()) return ids.status();
  return WorkflowExecutionName{(*ids)[0], (*ids)[1], (*ids)[2]};
}

absl::StatusOr<PartName> ParsePartName(absl::string_view name,
                                       absl::string_view field,
                                       bool allow_short_form) {
  if (name.empty()) return errors::InvalidField(field, "is required");
  if (allow_short_form &&
      std::vector<absl::string_view>(absl::StrSplit(name, '/')).size() == 8) {
    auto ids =
        Match(name, field, {"regions", "accounts", "credentials", "parts"},
              kShortPartPattern);
    if (!ids.ok()) return ids.status();
    return PartName{(*ids)[0], (*ids)[1], "", (*ids)[2], (*ids)[3]};
  }
  auto ids = Match(
      name, field,
      {"regions", "accounts", "workflowExecutions", "credentials", "parts"},
      kPartPattern);
  if (!ids.ok()) return ids.status();
  return PartName{(*ids)[0], (*ids)[1], (*ids)[2], (*ids)[3], (*ids)[4]};
}

absl::StatusOr<std::string> ResolveRegion(v1::Region region,
                                          const std::string& default_region,
                                          absl::string_view field) {
  if (region == v1::REGION_UNSPECIFIED) return default_region;
  std::string id = RegionId(region);
  if (id.empty()) {
    return errors::InvalidField(field, "is not a known region");
  }
  return id;
}

}  // namespace jumio_gateway::api
