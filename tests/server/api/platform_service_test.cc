// PlatformService over a FakeJumioApi: one status per region in the order
// asked, failures reported per region, and a cancel reaching every call.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "server/errors/errors.h"
#include "tests/server/api/service_fixture.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::testing::ElementsAre;

v1::RegionPlatformStatus Up(v1::Region region) {
  v1::RegionPlatformStatus status;
  status.set_region(region);
  status.set_raw_status("UP");
  return status;
}

class PlatformServiceTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    stub_ = v1::PlatformService::NewStub(channel());
  }

  std::unique_ptr<v1::PlatformService::Stub> stub_;
};

TEST_F(PlatformServiceTest, AnUnknownRegionIsRefusedByItsIndex) {
  v1::GetPlatformStatusRequest request;
  request.add_regions(v1::REGION_AMER_1);
  request.add_regions(v1::REGION_UNSPECIFIED);
  grpc::ClientContext context;
  v1::GetPlatformStatusResponse response;
  const grpc::Status status =
      stub_->GetPlatformStatus(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("regions[1]"));
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(PlatformServiceTest, NoRegionsMeansEveryConfiguredRegion) {
  fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                         Up(v1::REGION_AMER_1));
  fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                         Up(v1::REGION_EMEA_1));
  grpc::ClientContext context;
  v1::GetPlatformStatusResponse response;
  ASSERT_TRUE(stub_
                  ->GetPlatformStatus(&context, v1::GetPlatformStatusRequest(),
                                      &response)
                  .ok());
  ASSERT_EQ(response.statuses_size(), 2);
  EXPECT_EQ(response.statuses(0).region(), v1::REGION_AMER_1);
  EXPECT_EQ(response.statuses(1).region(), v1::REGION_EMEA_1);
  EXPECT_TRUE(response.statuses(0).has_check_time());
  ASSERT_EQ(fake_.CallCount(), 2u);
  EXPECT_EQ(fake_.Calls()[0].region, "amer-1");
  EXPECT_EQ(fake_.Calls()[1].region, "emea-1");
}

TEST_F(PlatformServiceTest,
       AFailedRegionIsReportedInItsPlaceAndDuplicatesOnce) {
  fake_.Script<v1::RegionPlatformStatus>(
      "GetPlatformStatus", errors::Error(absl::StatusCode::kUnavailable,
                                         v1::ERROR_REASON_UPSTREAM_UNAVAILABLE,
                                         "Jumio unreachable"));
  fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                         Up(v1::REGION_AMER_1));
  v1::GetPlatformStatusRequest request;
  request.add_regions(v1::REGION_APAC_1);
  request.add_regions(v1::REGION_AMER_1);
  request.add_regions(v1::REGION_APAC_1);
  grpc::ClientContext context;
  v1::GetPlatformStatusResponse response;
  ASSERT_TRUE(stub_->GetPlatformStatus(&context, request, &response).ok());
  ASSERT_EQ(response.statuses_size(), 2);
  EXPECT_EQ(response.statuses(0).region(), v1::REGION_APAC_1);
  EXPECT_EQ(response.statuses(0).error_reason(),
            v1::ERROR_REASON_UPSTREAM_UNAVAILABLE);
  EXPECT_EQ(response.statuses(0).error_message(), "Jumio unreachable");
  EXPECT_EQ(response.statuses(1).raw_status(), "UP");
  EXPECT_EQ(fake_.CallCount(), 2u);
}

TEST_F(PlatformServiceTest, ClientCancelReachesEveryUpstreamCall) {
  fake_.Hold("GetPlatformStatus");
  const grpc::Status status = CancelWhileUpstream(
      [&](grpc::ClientContext* context) {
        v1::GetPlatformStatusResponse response;
        return stub_->GetPlatformStatus(context, v1::GetPlatformStatusRequest(),
                                        &response);
      },
      /*upstream_calls=*/2);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
}

// The gateway's own view travels with Jumio's, and is there when Jumio's
// status could not be read: that is when a caller needs it most.
TEST_F(PlatformServiceTest, EachRegionCarriesTheGatewaysCircuitStates) {
  fake_.SetCircuits("amer-1", {{"api", v1::CIRCUIT_STATE_CLOSED},
                               {"retrieval", v1::CIRCUIT_STATE_OPEN}});
  fake_.Script<v1::RegionPlatformStatus>(
      "GetPlatformStatus",
      errors::Error(absl::StatusCode::kUnavailable,
                    v1::ERROR_REASON_CIRCUIT_OPEN, "paused"));
  fake_.Script<v1::RegionPlatformStatus>("GetPlatformStatus",
                                         Up(v1::REGION_EMEA_1));
  v1::GetPlatformStatusRequest request;
  request.add_regions(v1::REGION_AMER_1);
  request.add_regions(v1::REGION_EMEA_1);
  grpc::ClientContext context;
  v1::GetPlatformStatusResponse response;
  ASSERT_TRUE(stub_->GetPlatformStatus(&context, request, &response).ok());
  ASSERT_EQ(response.statuses_size(), 2);
  const v1::RegionPlatformStatus& amer = response.statuses(0);
  EXPECT_EQ(amer.error_reason(), v1::ERROR_REASON_CIRCUIT_OPEN);
  ASSERT_EQ(amer.circuits_size(), 2);
  EXPECT_EQ(amer.circuits(0).host(), "api");
  EXPECT_EQ(amer.circuits(0).state(), v1::CIRCUIT_STATE_CLOSED);
  EXPECT_EQ(amer.circuits(1).host(), "retrieval");
  EXPECT_EQ(amer.circuits(1).state(), v1::CIRCUIT_STATE_OPEN);
  EXPECT_EQ(response.statuses(1).circuits_size(), 0);
}

}  // namespace
}  // namespace jumio_gateway::api
