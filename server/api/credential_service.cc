#include "server/api/credential_service.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/api/grpc_status.h"
#include "server/api/jumio_rpc.h"
#include "server/api/media.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"
#include "server/jumio/codec/credential_codec.h"
#include "server/jumio/multipart.h"
#include "server/observability/grpc_server_metrics.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr int64_t kMaxChunkBytes = 1 << 20;
constexpr int64_t kMaxPreparedDataBytes = 1 << 20;

absl::Status ProtocolViolation(absl::string_view message) {
  absl::Status status =
      errors::Error(absl::StatusCode::kInvalidArgument,
                    v1::ERROR_REASON_UPLOAD_PROTOCOL_VIOLATION, message);
  return status;
}

absl::Status TooLarge(absl::string_view field, int64_t limit) {
  absl::Status status = errors::Error(
      absl::StatusCode::kInvalidArgument, v1::ERROR_REASON_PAYLOAD_TOO_LARGE,
      absl::StrCat(field, ": larger than the limit of ", limit, " bytes"),
      {{"limitBytes", absl::StrCat(limit)}});
  errors::AddFieldViolation(status, field,
                            absl::StrCat("must be at most ", limit, " bytes"));
  return status;
}

absl::Status Unsupported(absl::string_view message) {
  absl::Status status =
      errors::Error(absl::StatusCode::kInvalidArgument,
                    v1::ERROR_REASON_UNSUPPORTED_MEDIA_TYPE, message);
  errors::AddFieldViolation(status, "chunk", message);
  return status;
}

// Collects the stream, checks it, and makes one Jumio upload of it. Images are
// small (5 MB), so buffering them whole is simpler and safer than streaming
// upstream: nothing is sent until the bytes are known to be an acceptable file.
class UploadRpc
    : public grpc::ServerReadReactor<v1::UploadCredentialPartRequest> {
 public:
  UploadRpc(const ServiceContext& services,
            grpc::CallbackServerContext* context,
            v1::UploadCredentialPartResponse* response)
      : services_(services), context_(context), response_(response) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed: the whole file is here
      Upload();
      return;
    }
    absl::Status status = Accept();
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
      return;
    }
    StartRead(&request_);
  }

  void OnCancel() override {
    std::shared_ptr<jumio::CallHandle> handle;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      handle = handle_;
    }
    if (handle != nullptr) handle->Cancel();
  }

  void OnDone() override { delete this; }

 private:
  absl::Status Accept() {
    if (request_.has_metadata()) {
      if (have_metadata_) return ProtocolViolation("metadata sent twice");
      have_metadata_ = true;
      metadata_ = request_.metadata();
      return CheckMetadata();
    }
    if (!have_metadata_) {
      return ProtocolViolation("the first message must carry metadata");
    }
    if (metadata_.has_prepared_data()) {
      return ProtocolViolation("chunks are not allowed with prepared_data");
    }
    const std::string& chunk = request_.chunk();
    if (chunk.empty() || static_cast<int64_t>(chunk.size()) > kMaxChunkBytes) {
      return errors::InvalidField("chunk", "must hold 1 byte to 1 MiB");
    }
    if (static_cast<int64_t>(bytes_.size() + chunk.size()) > limit_) {
      return TooLarge("chunk", limit_);
    }
    bytes_.append(chunk);
    return absl::OkStatus();
  }

  absl::Status CheckMetadata() {
    absl::StatusOr<PartName> name =
        ParsePartName(metadata_.name(), "metadata.name", false);
    if (!name.ok()) return name.status();
    name_ = *std::move(name);
    if (metadata_.mode() != v1::UPLOAD_MODE_UNSPECIFIED &&
        metadata_.mode() != v1::UPLOAD_MODE_ADD &&
        metadata_.mode() != v1::UPLOAD_MODE_REPLACE) {
      return errors::InvalidField("metadata.mode", "is not a known mode");
    }
    if (metadata_.filename().size() > 255 ||
        metadata_.filename().find_first_of("/\\") != std::string::npos) {
      return errors::InvalidField(
          "metadata.filename",
          "must be at most 255 characters without path separators");
    }
    const bool prepared = name_.classifier == "PREPARED_DATA";
    if (prepared != metadata_.has_prepared_data()) {
      return errors::InvalidField(
          "metadata.prepared_data",
          prepared ? "is required for a PREPARED_DATA part"
                   : "is only allowed for a PREPARED_DATA part");
    }
    // The largest file any accepted type may be; the exact limit follows from
    // the magic bytes.
    limit_ = std::max(services_.config->max_image_bytes,
                      services_.config->max_pdf_bytes);
    if (metadata_.size_bytes() < 0) {
      return errors::InvalidField("metadata.size_bytes",
                                  "must not be negative");
    }
    if (metadata_.size_bytes() > limit_) {
      return TooLarge("metadata.size_bytes", limit_);
    }
    return absl::OkStatus();
  }

  // The Jumio request for the collected upload, or why there must be none.
  absl::StatusOr<jumio::JumioCall> BuildCall() {
    if (!have_metadata_) {
      return ProtocolViolation("the stream ended without metadata");
    }
    jumio::JumioCall call;
    call.region = name_.region;
    call.host = config::HostKind::kApi;
    const bool replace = metadata_.mode() == v1::UPLOAD_MODE_REPLACE;
    call.method = replace ? "PUT" : "POST";
    call.endpoint = replace ? "part_upload_replace" : "part_upload_add";
    call.path = absl::StrCat("/api/v1/accounts/", name_.account,
                             "/workflow-executions/", name_.workflow_execution,
                             "/credentials/", name_.credential, "/parts/",
                             name_.classifier);
    call.deadline = UpstreamDeadline(*context_, services_.clock(),
                                     services_.config->upstream_timeout);
    call.request_id = observability::RequestId(*context_);
    if (!metadata_.credential_token().empty()) {
      call.authorization = "Bearer " + metadata_.credential_token();
    }

    if (metadata_.has_prepared_data()) {
      absl::StatusOr<std::string> body =
          codec::WritePreparedData(metadata_.prepared_data());
      if (!body.ok()) return body.status();
      if (static_cast<int64_t>(body->size()) > kMaxPreparedDataBytes) {
        return TooLarge("metadata.prepared_data", kMaxPreparedDataBytes);
      }
      call.body = *std::move(body);
      call.content_type = "application/json";
      content_type_ = "application/json";
      return call;
    }

    if (bytes_.empty())
      return ProtocolViolation("no bytes followed the metadata");
    if (metadata_.size_bytes() != 0 &&
        metadata_.size_bytes() != static_cast<int64_t>(bytes_.size())) {
      return ProtocolViolation(
          "the stream's size differs from metadata.size_bytes");
    }
    const MediaType type = DetectMediaType(bytes_);
    if (type == MediaType::kUnknown) {
      return Unsupported("the file is not a JPEG, PNG or PDF document");
    }
    const int64_t limit = type == MediaType::kPdf
                              ? services_.config->max_pdf_bytes
                              : services_.config->max_image_bytes;
    if (static_cast<int64_t>(bytes_.size()) > limit)
      return TooLarge("chunk", limit);
    content_type_ = MimeType(type);
    if (!metadata_.content_type().empty() &&
        metadata_.content_type() != content_type_) {
      return Unsupported(absl::StrCat("metadata.content_type says ",
                                      metadata_.content_type(),
                                      " but the bytes are ", content_type_));
    }
    const std::string filename =
        metadata_.filename().empty()
            ? absl::StrCat(name_.classifier, type == MediaType::kPng   ? ".png"
                                             : type == MediaType::kPdf ? ".pdf"
                                                                       : ".jpg")
            : metadata_.filename();
    jumio::MultipartBody multipart = jumio::BuildFileUpload(
        "file", filename, content_type_, bytes_, jumio::RandomBoundaryToken);
    call.body = std::move(multipart.body);
    call.content_type = std::move(multipart.content_type);
    return call;
  }

  void Upload() {
    absl::StatusOr<jumio::JumioCall> call = BuildCall();
    if (!call.ok()) {
      Finish(ToGrpcStatus(call.status()));
      return;
    }
    const int64_t size = bytes_.empty()
                             ? static_cast<int64_t>(call->body.size())
                             : static_cast<int64_t>(bytes_.size());
    bytes_.clear();
    bytes_.shrink_to_fit();
    std::shared_ptr<jumio::CallHandle> handle = services_.jumio->Call(
        *std::move(call),
        [this, size](absl::StatusOr<jumio::HttpResponse> http) {
          absl::Status status = http.status();
          if (http.ok()) {
            auto parsed = codec::ReadPartUploadResponse(
                http->body, name_.region, name_.credential);
            status = parsed.status();
            if (parsed.ok()) {
              *response_ = *std::move(parsed);
              response_->set_part(name_.Format());
              response_->set_size_bytes(size);
              response_->set_content_type(content_type_);
            }
          }
          Finish(ToGrpcStatus(status));
        });
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      handle_ = handle;
      cancel_now = cancelled_;
    }
    if (cancel_now) handle->Cancel();
  }

  const ServiceContext& services_;
  grpc::CallbackServerContext* const context_;
  v1::UploadCredentialPartResponse* const response_;
  v1::UploadCredentialPartRequest request_;
  bool have_metadata_ = false;
  v1::UploadCredentialPartMetadata metadata_;
  PartName name_;
  int64_t limit_ = 0;
  std::string bytes_;
  std::string content_type_;
  absl::Mutex mu_;
  std::shared_ptr<jumio::CallHandle> handle_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Fetches the part once, then writes it as metadata plus chunks, one write in
// flight at a time.
class DownloadRpc
    : public grpc::ServerWriteReactor<v1::GetCredentialPartResponse> {
 public:
  DownloadRpc(const ServiceContext& services,
              grpc::CallbackServerContext* context,
              const v1::GetCredentialPartRequest& request) {
    absl::StatusOr<PartName> name =
        ParsePartName(request.name(), "name", /*allow_short_form=*/true);
    if (!name.ok()) {
      Finish(ToGrpcStatus(name.status()));
      return;
    }
    chunk_size_ = request.chunk_size_bytes() == 0 ? 256 * 1024
                                                  : request.chunk_size_bytes();
    if (chunk_size_ < 4 * 1024 || chunk_size_ > 1024 * 1024) {
      Finish(ToGrpcStatus(errors::InvalidField(
          "chunk_size_bytes", "must be 0 or from 4 KiB to 1 MiB")));
      return;
    }
    name_ = *std::move(name);
    jumio::JumioCall call;
    call.region = name_.region;
    call.host = config::HostKind::kRetrieval;
    call.path =
        absl::StrCat("/api/v1/accounts/", name_.account, "/credentials/",
                     name_.credential, "/parts/", name_.classifier);
    call.endpoint = "retrieval_part";
    call.accept = "image/jpeg, image/png, application/pdf, */*";
    call.deadline = UpstreamDeadline(*context, services.clock(),
                                     services.config->upstream_timeout);
    call.request_id = observability::RequestId(*context);
    std::shared_ptr<jumio::CallHandle> handle = services.jumio->Call(
        std::move(call), [this](absl::StatusOr<jumio::HttpResponse> http) {
          OnFetched(std::move(http));
        });
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      handle_ = handle;
      cancel_now = cancelled_;
    }
    if (cancel_now) handle->Cancel();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    WriteNext();
  }

  void OnCancel() override {
    std::shared_ptr<jumio::CallHandle> handle;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      handle = handle_;
    }
    if (handle != nullptr) handle->Cancel();
  }

  void OnDone() override { delete this; }

 private:
  void OnFetched(absl::StatusOr<jumio::HttpResponse> http) {
    if (!http.ok()) {
      Finish(ToGrpcStatus(http.status()));
      return;
    }
    body_ = std::move(http->body);
    auto content_type = http->headers.find("content-type");
    std::string type = content_type == http->headers.end()
                           ? MimeType(DetectMediaType(body_))
                           : content_type->second;
    v1::CredentialPartMetadata* metadata = message_.mutable_metadata();
    metadata->set_name(name_.Format());
    metadata->set_content_type(type);
    metadata->set_size_bytes(static_cast<int64_t>(body_.size()));
    metadata->set_raw_classifier(name_.classifier);
    v1::Classifier classifier;
    if (v1::Classifier_Parse("CLASSIFIER_" + name_.classifier, &classifier)) {
      metadata->set_classifier(classifier);
    }
    StartWrite(&message_);
  }

  void WriteNext() {
    if (offset_ >= body_.size()) {
      Finish(grpc::Status::OK);
      return;
    }
    const size_t length =
        std::min(body_.size() - offset_, static_cast<size_t>(chunk_size_));
    message_.Clear();
    message_.set_chunk(body_.substr(offset_, length));
    offset_ += length;
    StartWrite(&message_);
  }

  PartName name_;
  int32_t chunk_size_ = 0;
  std::string body_;
  size_t offset_ = 0;
  v1::GetCredentialPartResponse message_;
  absl::Mutex mu_;
  std::shared_ptr<jumio::CallHandle> handle_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerReadReactor<v1::UploadCredentialPartRequest>*
CredentialService::UploadCredentialPart(
    grpc::CallbackServerContext* context,
    v1::UploadCredentialPartResponse* response) {
  return new UploadRpc(context_, context, response);
}

grpc::ServerWriteReactor<v1::GetCredentialPartResponse>*
CredentialService::GetCredentialPart(
    grpc::CallbackServerContext* context,
    const v1::GetCredentialPartRequest* request) {
  return new DownloadRpc(context_, context, *request);
}

}  // namespace jumio_gateway::api
