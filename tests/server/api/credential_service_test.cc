// CredentialService over a FakeJumioApi: an upload is checked before anything
// goes upstream and reaches Jumio byte for byte; a download comes back as
// metadata plus chunks; a cancel reaches the upstream call either way.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "tests/server/api/service_fixture.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPart[] =
    "regions/amer-1/accounts/a-1/workflowExecutions/w-1/credentials/c-1/parts/"
    "FRONT";
constexpr char kShortPart[] =
    "regions/amer-1/accounts/a-1/credentials/c-1/parts/FRONT";

std::string Png(size_t size) {
  std::string png("\x89PNG\r\n\x1A\n", 8);
  for (size_t i = png.size(); i < size; ++i) {
    png.push_back(static_cast<char>('a' + i % 26));
  }
  return png;
}

class CredentialServiceTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    stub_ = v1::CredentialService::NewStub(channel());
  }

  // Sends `messages` as one upload stream.
  grpc::Status Upload(
      const std::vector<v1::UploadCredentialPartRequest>& messages,
      v1::UploadCredentialPartResponse* response,
      grpc::ClientContext* context = nullptr) {
    grpc::ClientContext own;
    if (context == nullptr) context = &own;
    auto writer = stub_->UploadCredentialPart(context, response);
    for (const auto& message : messages) {
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  static v1::UploadCredentialPartRequest Metadata(const std::string& name) {
    v1::UploadCredentialPartRequest request;
    request.mutable_metadata()->set_name(name);
    return request;
  }
  static v1::UploadCredentialPartRequest Chunk(std::string bytes) {
    v1::UploadCredentialPartRequest request;
    request.set_chunk(std::move(bytes));
    return request;
  }

  std::unique_ptr<v1::CredentialService::Stub> stub_;
};

TEST_F(CredentialServiceTest, AStreamWithoutMetadataFirstIsAProtocolViolation) {
  v1::UploadCredentialPartResponse response;
  const grpc::Status status = Upload({Chunk(Png(100))}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "UPLOAD_PROTOCOL_VIOLATION");
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(CredentialServiceTest, InvalidMetadataIsRefusedByFieldAndNothingIsSent) {
  v1::UploadCredentialPartResponse response;
  grpc::Status status = Upload(
      {Metadata("regions/amer-1/accounts/a-1"), Chunk(Png(100))}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("metadata.name"));

  v1::UploadCredentialPartRequest bad_filename = Metadata(kPart);
  bad_filename.mutable_metadata()->set_filename("../etc/passwd");
  status = Upload({bad_filename, Chunk(Png(100))}, &response);
  EXPECT_THAT(ViolationFields(status), ElementsAre("metadata.filename"));
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(CredentialServiceTest, BytesThatAreNoImageOrPdfAreRefused) {
  v1::UploadCredentialPartResponse response;
  const grpc::Status status =
      Upload({Metadata(kPart), Chunk("GIF89a not accepted")}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(CredentialServiceTest, AnUploadReachesJumioWholeAndIsDescribedBack) {
  v1::UploadCredentialPartResponse answer;
  answer.set_account_id("a-1");
  answer.mutable_workflow_execution()->set_id("w-1");
  fake_.Script<v1::UploadCredentialPartResponse>("UploadPart", answer);
  const std::string png = Png(3000);
  v1::UploadCredentialPartResponse response;
  const grpc::Status status =
      Upload({Metadata(kPart), Chunk(png.substr(0, 5)), Chunk(png.substr(5))},
             &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.part(), kPart);
  EXPECT_EQ(response.size_bytes(), 3000);
  EXPECT_EQ(response.content_type(), "image/png");
  EXPECT_EQ(response.account_id(), "a-1");
  EXPECT_EQ(response.workflow_execution().id(), "w-1");
  ASSERT_EQ(fake_.CallCount(), 1u);
  const testing::FakeJumioApi::Call call = fake_.Calls()[0];
  EXPECT_EQ(call.operation, "UploadPart");
  EXPECT_EQ(call.region, "amer-1");
  EXPECT_EQ(call.account, "a-1");
  EXPECT_EQ(call.workflow_execution, "w-1");
  EXPECT_EQ(call.credential, "c-1");
  EXPECT_EQ(call.classifier, "FRONT");
  EXPECT_FALSE(call.replace);
  EXPECT_EQ(call.content, png);
  EXPECT_EQ(call.content_type, "image/png");
  EXPECT_EQ(call.filename, "FRONT.png");
  EXPECT_EQ(call.credential_token, "");
}

TEST_F(CredentialServiceTest, ReplaceModeAndTheCredentialsOwnTokenArePassedOn) {
  fake_.Script<v1::UploadCredentialPartResponse>(
      "UploadPart", v1::UploadCredentialPartResponse());
  v1::UploadCredentialPartRequest metadata = Metadata(kPart);
  metadata.mutable_metadata()->set_mode(v1::UPLOAD_MODE_REPLACE);
  metadata.mutable_metadata()->set_credential_token("tok-123");
  metadata.mutable_metadata()->set_filename("front.png");
  v1::UploadCredentialPartResponse response;
  ASSERT_TRUE(Upload({metadata, Chunk(Png(64))}, &response).ok());
  ASSERT_EQ(fake_.CallCount(), 1u);
  EXPECT_TRUE(fake_.Calls()[0].replace);
  EXPECT_EQ(fake_.Calls()[0].credential_token, "tok-123");
  EXPECT_EQ(fake_.Calls()[0].filename, "front.png");
}

TEST_F(CredentialServiceTest, PreparedDataIsSentAsJson) {
  fake_.Script<v1::UploadCredentialPartResponse>(
      "UploadPart", v1::UploadCredentialPartResponse());
  v1::UploadCredentialPartRequest metadata = Metadata(
      "regions/amer-1/accounts/a-1/workflowExecutions/w-1/credentials/c-1/"
      "parts/PREPARED_DATA");
  metadata.mutable_metadata()->mutable_prepared_data()->set_first_name("Ada");
  v1::UploadCredentialPartResponse response;
  ASSERT_TRUE(Upload({metadata}, &response).ok());
  EXPECT_EQ(response.content_type(), "application/json");
  ASSERT_EQ(fake_.CallCount(), 1u);
  EXPECT_THAT(fake_.Calls()[0].json_body, HasSubstr(R"("firstName":"Ada")"));
  EXPECT_EQ(fake_.Calls()[0].content, "");
}

TEST_F(CredentialServiceTest, ADownloadComesBackAsMetadataAndChunks) {
  const std::string png = Png(10 * 1024);
  fake_.Script<jumio::PartContent>("GetPart",
                                   jumio::PartContent{"", png});  // no type
  v1::GetCredentialPartRequest request;
  request.set_name(kShortPart);
  request.set_chunk_size_bytes(4 * 1024);
  grpc::ClientContext context;
  auto reader = stub_->GetCredentialPart(&context, request);
  v1::GetCredentialPartResponse message;
  std::vector<v1::GetCredentialPartResponse> messages;
  while (reader->Read(&message)) messages.push_back(message);
  ASSERT_TRUE(reader->Finish().ok());

  ASSERT_EQ(messages.size(), 4u);  // metadata, 4 KiB, 4 KiB, 2 KiB
  const v1::CredentialPartMetadata& metadata = messages[0].metadata();
  EXPECT_EQ(metadata.name(), kShortPart);
  EXPECT_EQ(metadata.content_type(), "image/png");  // from the bytes
  EXPECT_EQ(metadata.size_bytes(), 10 * 1024);
  EXPECT_EQ(metadata.classifier(), v1::CLASSIFIER_FRONT);
  std::string bytes;
  for (size_t i = 1; i < messages.size(); ++i) bytes += messages[i].chunk();
  EXPECT_EQ(bytes, png);
  ASSERT_EQ(fake_.CallCount(), 1u);
  EXPECT_EQ(fake_.Calls()[0].credential, "c-1");
  EXPECT_EQ(fake_.Calls()[0].classifier, "FRONT");
  // The download is bounded by the largest part the gateway accepts.
  EXPECT_EQ(fake_.Calls()[0].max_bytes, 15u * 1000 * 1000);
}

TEST_F(CredentialServiceTest, InvalidDownloadsAreRefusedByField) {
  v1::GetCredentialPartRequest request;
  request.set_name(kShortPart);
  request.set_chunk_size_bytes(100);
  grpc::ClientContext context;
  auto reader = stub_->GetCredentialPart(&context, request);
  v1::GetCredentialPartResponse message;
  EXPECT_FALSE(reader->Read(&message));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("chunk_size_bytes"));
  EXPECT_EQ(fake_.CallCount(), 0u);
}

TEST_F(CredentialServiceTest, ClientCancelOfADownloadReachesTheUpstreamCall) {
  fake_.Hold("GetPart");
  v1::GetCredentialPartRequest request;
  request.set_name(kShortPart);
  grpc::ClientContext context;
  auto reader = stub_->GetCredentialPart(&context, request);
  ASSERT_TRUE(fake_.WaitForCalls(1));
  context.TryCancel();
  EXPECT_TRUE(fake_.WaitForCancel(0));
  v1::GetCredentialPartResponse message;
  EXPECT_FALSE(reader->Read(&message));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(CredentialServiceTest, ClientCancelOfAnUploadReachesTheUpstreamCall) {
  fake_.Hold("UploadPart");
  const grpc::Status status =
      CancelWhileUpstream([&](grpc::ClientContext* context) {
        v1::UploadCredentialPartResponse response;
        return Upload({Metadata(kPart), Chunk(Png(64))}, &response, context);
      });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace jumio_gateway::api
