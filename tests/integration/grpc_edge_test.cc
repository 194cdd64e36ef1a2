// The gRPC edge against hostile input, on a real gateway and sandbox: request
// messages that cannot be parsed, header-unsafe credential tokens, lengths in
// the unit Jumio counts, and no upstream host or port in what callers see.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway::testing {
namespace {

namespace v1 = ::jumio::gateway::v1;

// Sends `messages` as raw bytes on `method` (any kind of RPC: a generic call
// is a bidi stream on the wire), half-closes, drains replies and returns the
// status. Bounded by the context's deadline.
grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method,
                     const std::vector<std::string>& messages) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  auto context = Context(10);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(context.get(), method, &cq);
  auto wait = [&cq] {
    void* tag = nullptr;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) return false;
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  bool ok = wait();
  for (const std::string& message : messages) {
    if (!ok) break;
    grpc::Slice slice(message);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    ok = wait();
  }
  if (ok) {
    call->WritesDone(reinterpret_cast<void*>(3));
    wait();
  }
  for (int i = 0; i < 100; ++i) {
    grpc::ByteBuffer reply;
    call->Read(&reply, reinterpret_cast<void*>(4));
    if (!wait()) break;
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  wait();
  cq.Shutdown();
  void* tag;
  bool drained;
  while (cq.Next(&tag, &drained)) {
  }
  return status;
}

void ExpectMalformed(const grpc::Status& status) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_code() << " " << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "MALFORMED_REQUEST");
  EXPECT_FALSE(status.error_message().empty());
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_EQ(rpc.details_size(), 1);
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.domain(), "jumio-gateway");
}

// A field-1 string of two bytes that are not UTF-8.
const std::string kInvalidUtf8Name = std::string("\x0a\x02\xC3\x28", 4);
// A field tag whose varint never ends.
const std::string kTruncatedVarint = std::string("\x0a\xff\xff\xff", 4);

class GrpcEdgeTest : public GatewayFixture {
 protected:
  std::string FrontPart() {
    v1::CreateAccountResponse created = Create(2, "edge-test");
    std::map<std::string, std::string> parts =
        Parts(created.workflow_execution());
    EXPECT_TRUE(parts.count("FRONT"));
    return parts["FRONT"];
  }

  grpc::Status UploadWithToken(const std::string& part,
                               const std::string& token) {
    auto context = Context();
    v1::UploadCredentialPartResponse response;
    auto stream = credentials_->UploadCredentialPart(context.get(), &response);
    v1::UploadCredentialPartRequest first;
    first.mutable_metadata()->set_name(part);
    first.mutable_metadata()->set_credential_token(token);
    stream->Write(first);
    v1::UploadCredentialPartRequest chunk;
    chunk.set_chunk(std::string("\xFF\xD8\xFF\xE0", 4) + std::string(64, 'j'));
    stream->Write(chunk);
    stream->WritesDone();
    return stream->Finish();
  }

  size_t PartUploads() {
    size_t n = 0;
    for (const std::string& entry : Journal("&hostKind=api")) {
      if (absl::StrContains(entry, "/parts/")) ++n;
    }
    return n;
  }
};

TEST_F(GrpcEdgeTest, MalformedUnaryRequestIsInvalidArgumentWithErrorInfo) {
  for (const std::string& bytes : {kInvalidUtf8Name, kTruncatedVarint}) {
    ExpectMalformed(RawCall(
        channel_, "/jumio.gateway.v1.AccountService/GetAccount", {bytes}));
  }
  // Its field 1 is a packed enum, so only the broken varint is malformed.
  ExpectMalformed(RawCall(channel_,
                          "/jumio.gateway.v1.PlatformService/GetPlatformStatus",
                          {kTruncatedVarint}));
  EXPECT_TRUE(Journal("&hostKind=retrieval").empty());
}

TEST_F(GrpcEdgeTest, MalformedServerStreamingRequestIsInvalidArgument) {
  ExpectMalformed(
      RawCall(channel_, "/jumio.gateway.v1.CredentialService/GetCredentialPart",
              {kInvalidUtf8Name}));
}

TEST_F(GrpcEdgeTest, MalformedMessageInAnUploadStreamIsNotTakenAsItsEnd) {
  const std::string part = FrontPart();
  v1::UploadCredentialPartRequest metadata;
  metadata.mutable_metadata()->set_name(part);
  v1::UploadCredentialPartRequest chunk;
  chunk.set_chunk(std::string("\xFF\xD8\xFF\xE0", 4) + std::string(64, 'j'));
  // A whole JPEG start, then garbage: before, the garbage ended the stream and
  // the truncated file went to Jumio.
  ExpectMalformed(RawCall(
      channel_, "/jumio.gateway.v1.CredentialService/UploadCredentialPart",
      {metadata.SerializeAsString(), chunk.SerializeAsString(),
       kTruncatedVarint}));
  // Invalid UTF-8 in metadata.name (field 1 of the metadata, field 1 of the
  // request).
  ExpectMalformed(RawCall(
      channel_, "/jumio.gateway.v1.CredentialService/UploadCredentialPart",
      {std::string("\x0a\x04", 2) + kInvalidUtf8Name}));
  EXPECT_EQ(PartUploads(), 0u);
}

TEST_F(GrpcEdgeTest, HeaderUnsafeOrOverlongCredentialTokenNamesTheField) {
  const std::string part = FrontPart();
  for (const std::string& token :
       {std::string("abc\r\nX-Injected: 1"), std::string("abc\ndef"),
        std::string("abc\0def", 7), std::string("tab\there"),
        std::string("two words"), std::string("caf\xC3\xA9"),
        std::string("del\x7f"), std::string(100 * 1024, 'a')}) {
    SCOPED_TRACE(token.substr(0, 20));
    grpc::Status status = UploadWithToken(part, token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_code() << " " << status.error_message();
    ErrorDetails details = DetailsOf(status);
    EXPECT_EQ(details.reason, "INVALID_FIELD");
    EXPECT_EQ(details.fields,
              std::vector<std::string>{"metadata.credential_token"});
    EXPECT_FALSE(details.retry);
  }
  EXPECT_EQ(PartUploads(), 0u);
  // A plausible token of the maximum size still goes through to Jumio (which
  // refuses it: it is not the credential's token).
  UploadWithToken(part, std::string(4096, 't'));
  EXPECT_TRUE(::jumio::testing::WaitFor([&] { return PartUploads() == 1; },
                                        absl::Seconds(5)));
}

TEST_F(GrpcEdgeTest, UserReferenceIsLimitedInBytesAsJumioCountsThem) {
  std::string e_acute;
  for (int i = 0; i < 60; ++i) e_acute += "\xC3\xA9";  // 60 chars, 120 bytes
  v1::CreateAccountRequest request;
  request.set_region(v1::REGION_EMEA_1);
  request.set_user_reference(e_acute);
  request.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse response;
  grpc::Status status =
      accounts_->CreateAccount(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "INVALID_FIELD");
  EXPECT_EQ(DetailsOf(status).fields,
            std::vector<std::string>{"user_reference"});
  EXPECT_TRUE(Journal("&hostKind=account").empty());
  // 50 x "é" is exactly 100 bytes: accepted here and by Jumio.
  request.set_user_reference(e_acute.substr(0, 100));
  status = accounts_->CreateAccount(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcEdgeTest, AnUnsafeRequestIdIsReplacedNotForwarded) {
  for (const std::string& id :
       {std::string("bad id \"quoted\""), std::string(300, 'r')}) {
    v1::GetAccountRequest request;
    request.set_name("regions/apac-1/accounts/traced-account");
    v1::GetAccountResponse response;
    auto context = Context();
    context->AddMetadata("x-request-id", id);
    // The account does not exist: a failed call carries the id in its
    // trailers (it stays trailers-only, so that clients may retry it).
    EXPECT_FALSE(accounts_->GetAccount(context.get(), request, &response).ok());
    EXPECT_EQ(context->GetServerInitialMetadata().count("x-request-id"), 0u);
    auto echoed = context->GetServerTrailingMetadata().find("x-request-id");
    ASSERT_NE(echoed, context->GetServerTrailingMetadata().end());
    const std::string replacement(echoed->second.data(), echoed->second.size());
    EXPECT_NE(replacement, id);
    EXPECT_FALSE(replacement.empty());
    std::string body;
    EXPECT_TRUE(::jumio::testing::WaitFor(
        [&] {
          body =
              http_.Get(sandbox_url_ + "/_sandbox/journal?region=apac-1").body;
          return body.find(replacement) != std::string::npos;
        },
        absl::Seconds(5)));
    EXPECT_EQ(body.find(id), std::string::npos);
  }
}

// A loopback port with nothing listening (bound, then closed).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class UnreachableJumioTest : public GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    closed_port_ = ClosedPort();
    // Basic auth needs no token request, so the call itself meets the closed
    // port.
    return {absl::StrCat("--jumio_url_template=http://127.0.0.1:", closed_port_,
                         "/{region}/{kind}"),
            "--auth_mode=basic"};
  }

  void ExpectNoHostOrPort(const grpc::Status& status) {
    const std::string port = absl::StrCat(closed_port_);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_TRUE(DetailsOf(status).retry);
    EXPECT_FALSE(absl::StrContains(status.error_message(), "127.0.0.1"))
        << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), port))
        << status.error_message();
    google::rpc::Status rpc;
    ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
    EXPECT_FALSE(absl::StrContains(rpc.message(), port));
    for (const auto& any : rpc.details()) {
      // Every detail, whatever its type, in its text form.
      google::rpc::ErrorInfo info;
      google::rpc::RetryInfo retry;
      std::string text;
      if (any.UnpackTo(&info)) {
        text = info.DebugString();
      } else if (any.UnpackTo(&retry)) {
        text = retry.DebugString();
      } else {
        text = any.value();
      }
      EXPECT_FALSE(absl::StrContains(text, "127.0.0.1")) << text;
      EXPECT_FALSE(absl::StrContains(text, port)) << text;
    }
  }

  int closed_port_ = 0;
};

TEST_F(UnreachableJumioTest, CallersSeeRegionAndEndpointButNoHostOrPort) {
  v1::GetAccountRequest get;
  get.set_name("regions/emea-1/accounts/some-account");
  v1::GetAccountResponse account;
  grpc::Status status = accounts_->GetAccount(Context().get(), get, &account);
  ExpectNoHostOrPort(status);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "emea-1"));

  v1::CreateAccountRequest create;
  create.set_region(v1::REGION_EMEA_1);
  create.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse created;
  ExpectNoHostOrPort(
      accounts_->CreateAccount(Context().get(), create, &created));

  // The operator still finds the host and port in the log.
  std::string log;
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        std::ifstream in(gateway_log_);
        std::stringstream contents;
        contents << in.rdbuf();
        log = contents.str();
        return absl::StrContains(log, absl::StrCat(closed_port_));
      },
      absl::Seconds(5)))
      << log;
}

}  // namespace
}  // namespace jumio_gateway::testing
