#include "server/api/resource_names.h"

#include <gtest/gtest.h>

#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

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
  EXPECT_FALSE(IsSafeId(std::string(65, 'a')));
  EXPECT_TRUE(IsSafeId("11111111-1111-1111-1111-aaaaaaaaaaaa"));
}

TEST(ResourceNamesTest, UnspecifiedRegionUsesTheDefault) {
  EXPECT_EQ(*ResolveRegion(v1::REGION_UNSPECIFIED, "emea-1", "region"),
            "emea-1");
  EXPECT_EQ(*ResolveRegion(v1::REGION_APAC_1, "emea-1", "region"), "apac-1");
  absl::Status status =
      ResolveRegion(static_cast<v1::Region>(42), "emea-1", "region").status();
  EXPECT_EQ(ViolationField(status), "region");
  EXPECT_EQ(RegionFromId("amer-1"), v1::REGION_AMER_1);
  EXPECT_EQ(RegionFromId("moon-1"), v1::REGION_UNSPECIFIED);
}

}  // namespace
}  // namespace jumio_gateway::api
