// What the gateway keeps on its own disk about a person (issue 17): the
// images of a verification stream through memory and never reach a file
// under the gateway's data directory (the callback store and its WAL), even
// after the callback, its enrichment and a download of the image.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/store_scan.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::jumio::sandbox::testing::JpegWithCanary;
using testing::Context;

using ::jumio::testing::FilesContaining;

class PrivacyTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    return CallbackReceiverArgs();  // its store lives in dir_
  }
};

TEST_F(PrivacyTest, ImagesNeverReachTheGatewaysDisk) {
  const std::string front_canary = "CANARY-FRONT-IMAGE-5d1e9a";
  const std::string back_canary = "CANARY-BACK-IMAGE-77c3f0";
  v1::CreateAccountResponse created = Create(2, "privacy-user");
  const std::string workflow = created.workflow_execution().name();
  ASSERT_TRUE(UploadIdAndFinalize(created, JpegWithCanary(front_canary),
                                  JpegWithCanary(back_canary))
                  .ok());

  // The callback has been stored and enriched (its details fetched).
  v1::CallbackFilter filter;
  filter.add_workflow_executions(workflow);
  EXPECT_TRUE(AwaitCallback(filter, /*enriched=*/true));

  // And the image has been read back through the gateway.
  const v1::WorkflowExecution details = Details(workflow);
  std::string front_part;
  for (const auto& credential : details.credentials()) {
    for (const auto& part : credential.parts()) {
      if (part.raw_classifier() == "FRONT") front_part = part.name();
    }
  }
  ASSERT_FALSE(front_part.empty()) << details.DebugString();
  v1::GetCredentialPartRequest get;
  get.set_name(front_part);
  auto download_context = Context(30);
  auto download = credentials_->GetCredentialPart(download_context.get(), get);
  v1::GetCredentialPartResponse chunk;
  std::string downloaded;
  while (download->Read(&chunk)) downloaded += chunk.chunk();
  ASSERT_TRUE(download->Finish().ok());
  ASSERT_NE(downloaded.find(front_canary), std::string::npos);

  // The scan does see what the store holds (the callback's user reference,
  // in the database or its WAL) ...
  EXPECT_FALSE(FilesContaining(dir_, "privacy-user").empty());
  // ... and nothing of either image under the gateway's data directory.
  for (const std::string& canary : {front_canary, back_canary}) {
    const std::vector<std::string> files = FilesContaining(dir_, canary);
    EXPECT_TRUE(files.empty()) << canary << " in " << files.front();
  }
}

}  // namespace
}  // namespace jumio_gateway
