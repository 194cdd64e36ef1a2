#include "server/core/regions.h"

#include <gtest/gtest.h>

namespace jumio_gateway::core {
namespace {

namespace v1 = ::jumio::gateway::v1;

TEST(RegionsTest, IdsAndEnumValuesMapBothWays) {
  for (const RegionEntry& entry : kRegions) {
    EXPECT_TRUE(IsKnownRegion(entry.id));
    EXPECT_EQ(RegionFromId(entry.id), entry.region);
    EXPECT_EQ(RegionId(entry.region), entry.id);
  }
  EXPECT_EQ(RegionFromId("amer-1"), v1::REGION_AMER_1);
  EXPECT_EQ(RegionId(v1::REGION_APAC_1), "apac-1");
}

TEST(RegionsTest, UnknownValuesAreNotRegions) {
  EXPECT_FALSE(IsKnownRegion("mars-1"));
  EXPECT_FALSE(IsKnownRegion("AMER-1"));
  EXPECT_FALSE(IsKnownRegion(""));
  EXPECT_EQ(RegionFromId("mars-1"), v1::REGION_UNSPECIFIED);
  EXPECT_EQ(RegionId(v1::REGION_UNSPECIFIED), "");
  EXPECT_EQ(RegionId(static_cast<v1::Region>(42)), "");
  EXPECT_EQ(KnownRegionList(), "amer-1, emea-1, apac-1");
}

}  // namespace
}  // namespace jumio_gateway::core
