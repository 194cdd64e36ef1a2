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
using testing::Context;

// A JPEG that carries `canary` in a comment segment (FF FE) right after its
// start marker: a valid image for the sandbox, and bytes no other data has.
std::string JpegWithCanary(const std::string& canary) {
  const std::string jpeg = ::jumio::sandbox::testing::Jpeg(1200, 800);
  const size_t length = canary.size() + 2;
  std::string comment = {'\xFF', '\xFE', static_cast<char>(length >> 8),
                         static_cast<char>(length & 0xFF)};
  return jpeg.substr(0, 2) + comment + canary + jpeg.substr(2);
}

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
  auto parts = Parts(created.workflow_execution());
  v1::UploadCredentialPartResponse uploaded;
  ASSERT_TRUE(
      Upload(parts["FRONT"], JpegWithCanary(front_canary), &uploaded).ok());
  ASSERT_TRUE(
      Upload(parts["BACK"], JpegWithCanary(back_canary), &uploaded).ok());
  ASSERT_TRUE(Finalize(workflow).ok());

  // The callback has been stored and enriched (its details fetched).
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.mutable_filter()->add_workflow_executions(workflow);
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        v1::ListCallbacksResponse listed;
        return feed->ListCallbacks(Context().get(), list, &listed).ok() &&
               listed.callbacks_size() > 0 &&
               listed.callbacks(0).enrichment().has_decision();
      },
      absl::Seconds(30)));

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
