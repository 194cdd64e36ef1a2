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
