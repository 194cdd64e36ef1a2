// part upload | download: credential parts streamed from and into files.
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "client/gateway_client.h"
#include "client/jumioctl/env.h"
#include "client/jumioctl/handlers.h"
#include "client/jumioctl/request_flags.h"
#include "client/output.h"
#include "jumio/gateway/v1/credential.grpc.pb.h"

namespace jumio_gateway::client {

namespace v1 = ::jumio::gateway::v1;

namespace {

constexpr size_t kMaxChunk = 1024 * 1024;

absl::StatusOr<size_t> ChunkSize(const Env& env, size_t fallback) {
  if (!env.args.Has("chunk_size")) return fallback;
  absl::StatusOr<int64_t> size = ParseIntFlag(env, "chunk_size", 1, kMaxChunk);
  if (!size.ok()) return size.status();
  return static_cast<size_t>(*size);
}

}  // namespace

int PartUpload(Env& env) {
  v1::UploadCredentialPartMetadata metadata;
  absl::Status parsed = LoadRequestJson(env, &metadata);
  metadata.set_name(env.operands[0]);
  const std::string path = env.operands.size() > 1 ? env.operands[1] : "";
  if (parsed.ok() && env.args.Has("mode")) {
    absl::StatusOr<int> mode =
        ParseEnum(*v1::UploadMode_descriptor(), "mode", env.args.Get("mode"));
    if (mode.ok()) {
      metadata.set_mode(static_cast<v1::UploadMode>(*mode));
    } else {
      parsed = mode.status();
    }
  }
  if (env.args.Has("content_type")) {
    metadata.set_content_type(env.args.Get("content_type"));
  }
  if (env.args.Has("filename")) metadata.set_filename(env.args.Get("filename"));
  if (parsed.ok() && env.args.Has("credential_token_file")) {
    absl::StatusOr<std::string> token =
        ReadInput(env.args.Get("credential_token_file"));
    if (token.ok()) {
      metadata.set_credential_token(
          std::string(absl::StripAsciiWhitespace(*token)));
    } else {
      parsed = token.status();
    }
  }
  if (parsed.ok() && path.empty() && !metadata.has_prepared_data()) {
    parsed = absl::InvalidArgumentError(
        "part upload needs a FILE (or preparedData in --request_json)");
  }
  absl::StatusOr<size_t> chunk = ChunkSize(env, 256 * 1024);
  if (parsed.ok() && !chunk.ok()) parsed = chunk.status();
  if (!parsed.ok()) return UsageError(env, std::string(parsed.message()));
  v1::UploadCredentialPartResponse response;
  auto stub = v1::CredentialService::NewStub(env.channel);
  grpc::Status status = UploadPartFromFile(*stub, Context(env).get(), metadata,
                                           path, *chunk, &response);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::UploadCredentialPartResponse>(
      env, response, [&](const v1::UploadCredentialPartResponse& r) {
        return UploadedText(path, r.part().empty() ? metadata.name() : r.part(),
                            r);
      });
}

int PartDownload(Env& env) {
  v1::GetCredentialPartRequest request;
  request.set_name(env.operands[0]);
  absl::StatusOr<size_t> chunk = ChunkSize(env, 0);
  if (!chunk.ok())
    return UsageError(env, std::string(chunk.status().message()));
  request.set_chunk_size_bytes(static_cast<int32_t>(*chunk));
  const std::string& path = env.operands[1];
  v1::CredentialPartMetadata metadata;
  int64_t written = 0;
  auto stub = v1::CredentialService::NewStub(env.channel);
  grpc::Status status = DownloadPartToFile(*stub, Context(env).get(), request,
                                           path, &metadata, &written);
  if (!status.ok()) return RpcFailed(status);
  return Emit<v1::CredentialPartMetadata>(
      env, metadata, [&](const v1::CredentialPartMetadata& m) {
        return DownloadedText(written, path, m);
      });
}

}  // namespace jumio_gateway::client
