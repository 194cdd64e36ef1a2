#include "server/core/resource_names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/errors/errors.h"

namespace jumio_gateway::core {
namespace {

std::string ViolationField(const absl::Status& status) {
  auto bad_request = errors::GetBadRequest(status);
  if (!bad_request || bad_request->field_violations_size() != 1) return "";
  return bad_request->field_violations(0).field();
}

TEST(ResourceNamesTest, ParsesAndFormatsEveryForm) {
  auto account = ParseAccountName("regions/emea-1/accounts/a-1", "name");
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->region, "emea-1");
  EXPECT_EQ(account->account, "a-1");
  EXPECT_EQ(account->Format(), "regions/emea-1/accounts/a-1");

  const std::string we = "regions/apac-1/accounts/a/workflowExecutions/w";
  auto workflow = ParseWorkflowExecutionName(we, "name");
  ASSERT_TRUE(workflow.ok()) << workflow.status();
  EXPECT_EQ(workflow->workflow_execution, "w");
  EXPECT_EQ(workflow->Format(), we);

  const std::string part = we + "/credentials/c/parts/FRONT";
  auto full = ParsePartName(part, "name", /*allow_short_form=*/false);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->credential, "c");
  EXPECT_EQ(full->classifier, "FRONT");
  EXPECT_EQ(full->Format(), part);

  const std::string short_part =
      "regions/amer-1/accounts/a/credentials/c/parts/FACE";
  auto brief = ParsePartName(short_part, "name", /*allow_short_form=*/true);
  ASSERT_TRUE(brief.ok()) << brief.status();
  EXPECT_TRUE(brief->workflow_execution.empty());
  EXPECT_EQ(brief->Format(), short_part);
  EXPECT_FALSE(ParsePartName(short_part, "name", false).ok());

  EXPECT_EQ((CredentialName{"amer-1", "a", "w", "c"}.Format()),
            "regions/amer-1/accounts/a/workflowExecutions/w/credentials/c");
}

TEST(ResourceNamesTest, RejectsWhatCouldSteerAnUpstreamUrl) {
  for (const char* bad : {
           "",
           "regions/emea-1/accounts",
           "regions/mars-1/accounts/a",
           "regions/emea-1/accounts/../../admin",
           "regions/emea-1/accounts/a%2Fb",
           "regions/emea-1/accounts/a?x=1",
           "regions/emea-1/users/a",
           "regions/emea-1/accounts/a/extra",
       }) {
    absl::Status status = ParseAccountName(bad, "account.name").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ViolationField(status), "account.name") << bad;
  }
  EXPECT_FALSE(IsValidId(std::string(65, 'a')));
  EXPECT_TRUE(IsValidId(std::string(64, 'a')));
  EXPECT_TRUE(IsValidId("11111111-1111-1111-1111-aaaaaaaaaaaa"));
}

// The bug this rule fixes: "_" was accepted by the parser and refused by the
// formatter of Jumio's responses, so a call on such a name was sent to Jumio
// and answered with an empty name. Ids are [A-Za-z0-9-] (common.proto; Jumio
// assigns UUIDs), classifiers [A-Z0-9_].
TEST(ResourceNamesTest, OneIdRuleForParsingAndFormatting) {
  absl::Status underscore =
      ParseAccountName("regions/emea-1/accounts/acc_1", "name").status();
  EXPECT_EQ(underscore.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationField(underscore), "name");
  EXPECT_EQ((AccountName{"emea-1", "acc_1"}.Format()), "");
  EXPECT_FALSE(
      ParsePartName("regions/amer-1/accounts/a/credentials/c_1/parts/FRONT",
                    "name", true)
          .ok());
  // Classifiers have their own alphabet, with "_" and without lower case.
  EXPECT_TRUE(ParsePartName(
                  "regions/amer-1/accounts/a/credentials/c/parts/PREPARED_DATA",
                  "name", true)
                  .ok());
  EXPECT_FALSE(
      ParsePartName("regions/amer-1/accounts/a/credentials/c/parts/front",
                    "name", true)
          .ok());
  EXPECT_EQ((PartName{"amer-1", "a", "", "c", "front"}.Format()), "");
  EXPECT_EQ((AccountName{"mars-1", "a"}.Format()), "");
}

// Every name that parses formats back to exactly itself, and every name that
// formats parses back to the same parts: one rule in both directions.
TEST(ResourceNamesTest, WhatParsesFormatsBackAndWhatFormatsParses) {
  const std::vector<std::string> ids = {"a",
                                        "A-1",
                                        "11111111-1111-1111-1111-aaaaaaaaaaaa",
                                        std::string(64, 'z'),
                                        "a_b",
                                        "",
                                        std::string(65, 'z'),
                                        "a.b",
                                        "a/b",
                                        "%41",
                                        "ä"};
  const std::vector<std::string> regions = {"amer-1", "emea-1", "apac-1",
                                            "mars-1", ""};
  const std::vector<std::string> classifiers = {"FRONT", "PREPARED_DATA",
                                                "front", "", "FR-ONT"};
  for (const std::string& region : regions) {
    for (const std::string& id : ids) {
      const AccountName account{region, id};
      const std::string formatted = account.Format();
      const std::string raw = "regions/" + region + "/accounts/" + id;
      auto parsed = ParseAccountName(raw, "name");
      EXPECT_EQ(parsed.ok(), !formatted.empty()) << raw;
      if (parsed.ok()) {
        EXPECT_EQ(parsed->Format(), raw);
        EXPECT_EQ(formatted, raw);
      }
      for (const std::string& classifier : classifiers) {
        const PartName part{region, "acc", id, "cred", classifier};
        // An empty workflow execution is the short (download) form.
        const std::string part_raw =
            "regions/" + region + "/accounts/acc" +
            (id.empty() ? "" : "/workflowExecutions/" + id) +
            "/credentials/cred/parts/" + classifier;
        auto parsed_part =
            ParsePartName(part_raw, "name", /*allow_short_form=*/true);
        EXPECT_EQ(parsed_part.ok(), !part.Format().empty()) << part_raw;
        if (parsed_part.ok()) {
          EXPECT_EQ(parsed_part->Format(), part_raw);
          EXPECT_EQ(part.Format(), part_raw);
        }
      }
    }
  }
}

}  // namespace
}  // namespace jumio_gateway::core
