// A small client library for the jumio-gateway v1 API: connecting (plaintext
// on loopback, TLS elsewhere), per-call deadlines, chunked part upload and
// download, and turning a failed call's google.rpc.Status into text a person
// can act on. jumioctl is built on it; other C++ callers may use it too.
//
//   auto channel = jumio_gateway::client::Connect({.target =
//   "127.0.0.1:50051"}); auto stub =
//   jumio::gateway::v1::CredentialService::NewStub(*channel); auto context =
//   jumio_gateway::client::NewContext(absl::Seconds(30));
//   v1::UploadCredentialPartResponse response;
//   grpc::Status status = jumio_gateway::client::UploadPartFromFile(
//       *stub, context.get(), metadata, "front.jpg", 256 * 1024, &response);
//   if (!status.ok()) std::cerr << DescribeRpcError(status);
#ifndef JUMIO_GATEWAY_CLIENT_GATEWAY_CLIENT_H_
#define JUMIO_GATEWAY_CLIENT_GATEWAY_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"

namespace jumio_gateway::client {

// client/service_config.json as published beside the API.
const std::string& PublishedServiceConfig();

struct ConnectionOptions {
  // host:port (or any gRPC target such as dns:///host:port).
  std::string target = "127.0.0.1:50051";
  // Unset: TLS unless the target is a loopback address, because a plaintext
  // call off the machine would carry personal data in the clear.
  std::optional<bool> tls;
  // PEM roots to verify the gateway's certificate with. Empty: the system
  // roots. Setting it implies TLS.
  std::string ca_file;
  // mTLS: this client's PEM certificate chain and private key (both or
  // neither). Setting them implies TLS.
  std::string cert_file;
  std::string key_file;
  // A file holding the caller's bearer token, sent on every call as
  // "authorization: Bearer <token>" (TLS, or plaintext to loopback only: the
  // gateway refuses tokens in the clear off the machine).
  std::string token_file;
  // The gRPC service config of the channel: per-method timeouts and the
  // retry policy the gateway documents as safe. Default: the published
  // client/service_config.json, compiled in. Empty: gRPC's defaults (no
  // retries, no method timeouts).
  std::string service_config_json = PublishedServiceConfig();
  // HTTP/2 keepalive pings while calls are open, so that a connection a NAT
  // or load balancer dropped silently fails its calls (UNAVAILABLE, which the
  // retry policy retries) within seconds instead of at their deadline. The
  // gateway accepts pings this often (grpc_min_ping_interval on the server).
  // Zero: no pings.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

// True for 127.0.0.0/8, ::1 and localhost (with or without a port).
bool IsLoopbackTarget(const std::string& target);

// Whether Connect would use TLS for these options.
bool UsesTls(const ConnectionOptions& options);

// A channel to the gateway. Fails only when a file cannot be read (or
// cert_file/key_file come alone, or token_file would travel in the clear off
// the machine); the connection itself is made lazily by the first call.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const ConnectionOptions& options);

// A context whose deadline is `deadline` from now (none when infinite).
std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration deadline);

// Streams `path` to UploadCredentialPart: `metadata` first (size_bytes is
// filled in from the file so that the gateway refuses an oversized file before
// any byte travels), then chunks of at most `chunk_size` bytes. An empty path
// sends the metadata alone (PREPARED_DATA given as a typed message).
grpc::Status UploadPartFromFile(
    jumio::gateway::v1::CredentialService::StubInterface& stub,
    grpc::ClientContext* context,
    jumio::gateway::v1::UploadCredentialPartMetadata metadata,
    const std::string& path, size_t chunk_size,
    jumio::gateway::v1::UploadCredentialPartResponse* response);

// Downloads a part into `path`. The bytes go to a temporary file next to it
// that is renamed only when the stream ended OK and the byte count matches the
// announced size, so a failed download never leaves a truncated image under
// the requested name.
grpc::Status DownloadPartToFile(
    jumio::gateway::v1::CredentialService::StubInterface& stub,
    grpc::ClientContext* context,
    const jumio::gateway::v1::GetCredentialPartRequest& request,
    const std::string& path,
    jumio::gateway::v1::CredentialPartMetadata* metadata, int64_t* written);

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND.
std::string CodeName(grpc::StatusCode code);

// Several lines: the code and message, then every google.rpc detail the
// gateway attached (ErrorInfo reason and metadata, BadRequest field
// violations, RetryInfo delay, and the rarer kinds), each ending in '\n'.
std::string DescribeRpcError(const grpc::Status& status);

// The RetryInfo delay of a failed call, if it carries one.
std::optional<absl::Duration> RetryDelay(const grpc::Status& status);

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_GATEWAY_CLIENT_H_
