#include "server/jumio/codec/platform_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/jumio/codec/codec_test_util.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;

TEST(PlatformStatusTest, Up) {
  absl::StatusOr<v1::RegionPlatformStatus> s =
      ReadPlatformStatus(ReadTestdata("health_status_up.json"), "emea-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->region(), v1::REGION_EMEA_1);
  EXPECT_EQ(s->status(), v1::HEALTH_STATUS_UP);
  EXPECT_EQ(s->raw_status(), "UP");
  EXPECT_FALSE(s->has_services());
  EXPECT_EQ(s->error_reason(), v1::ERROR_REASON_UNSPECIFIED);
}

TEST(PlatformStatusTest, Degraded) {
  absl::StatusOr<v1::RegionPlatformStatus> s =
      ReadPlatformStatus(ReadTestdata("health_status_degraded.json"), "amer-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->status(), v1::HEALTH_STATUS_DEGRADED);
  EXPECT_EQ(s->services().mobile(), v1::HEALTH_STATUS_DEGRADED);
  EXPECT_EQ(s->services().callback(), v1::HEALTH_STATUS_DEGRADED);
  EXPECT_EQ(s->services().api(), v1::HEALTH_STATUS_UNSPECIFIED);
  EXPECT_EQ(s->services().raw().size(), 2u);
}

TEST(PlatformStatusTest, Down) {
  absl::StatusOr<v1::RegionPlatformStatus> s =
      ReadPlatformStatus(ReadTestdata("health_status_down.json"), "apac-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->region(), v1::REGION_APAC_1);
  EXPECT_EQ(s->status(), v1::HEALTH_STATUS_DOWN);
  EXPECT_EQ(s->services().retrieval(), v1::HEALTH_STATUS_DOWN);
  EXPECT_EQ(s->services().callback(), v1::HEALTH_STATUS_DOWN);
  EXPECT_EQ(s->services().api(), v1::HEALTH_STATUS_DOWN);
  EXPECT_EQ(s->services().web(), v1::HEALTH_STATUS_UNSPECIFIED);
  EXPECT_EQ(s->services().raw().at("retrieval"), "DOWN");
}

TEST(PlatformStatusTest, UnknownValuesAndServicesAreKeptRaw) {
  absl::StatusOr<v1::RegionPlatformStatus> s = ReadPlatformStatus(
      R"({"status": "MAINTENANCE", "details": {"web": "UP", "video": "DOWN",
          "processing": "SLOW", "count": 3}})",
      "amer-1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->status(), v1::HEALTH_STATUS_UNSPECIFIED);
  EXPECT_EQ(s->raw_status(), "MAINTENANCE");
  EXPECT_EQ(s->services().web(), v1::HEALTH_STATUS_UP);
  EXPECT_EQ(s->services().processing(), v1::HEALTH_STATUS_UNSPECIFIED);
  EXPECT_EQ(s->services().raw().at("processing"), "SLOW");
  EXPECT_EQ(s->services().raw().at("video"), "DOWN");
  EXPECT_FALSE(s->services().raw().contains("count"));
}

TEST(PlatformStatusTest, MissingOrMistypedStatusIsMalformed) {
  for (const char* body : {"", "<html>502</html>", "{}", R"({"status": 1})"}) {
    absl::StatusOr<v1::RegionPlatformStatus> s =
        ReadPlatformStatus(body, "amer-1");
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInternal) << body;
    EXPECT_EQ(Reason(s.status()), "UPSTREAM_MALFORMED") << body;
  }
}

}  // namespace
}  // namespace jumio_gateway::codec
