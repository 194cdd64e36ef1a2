#include "server/api/credential_service.h"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "server/api/buffer_budget.h"
#include "server/api/header_values.h"
#include "server/api/media.h"
#include "server/api/reactors.h"
#include "server/api/request_guard.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"
#include "server/jumio/codec/credential_codec.h"

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

// Bytes reserved beyond a file's own size for the multipart framing around it
// (boundary lines and part headers, a filename of at most 255 bytes).
constexpr int64_t kMultipartSlack = 1024;
// Enough of the file to know its type (the PNG signature is the longest).
constexpr size_t kMagicBytes = 8;

// Collects the stream, checks it, and makes one Jumio upload of it. Nothing is
// sent until the bytes are known to be an acceptable file. Memory is bounded
// twice: the stream takes a lease of the gateway-wide BufferBudget at its
// metadata (declared size, else the image limit) and grows it to the PDF limit
// only once the first bytes show a PDF; and each chunk is kept as received (a
// Cord of the caller's chunks) and handed to the transport without a copy.
//
// Registered as a raw method (ByteBuffer messages): gRPC reports a message
// that fails to parse to a reader exactly like the caller's half-close, so
// the stream parses each message itself (request_guard.h).
class UploadRpc : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  UploadRpc(const ServiceContext& services,
            grpc::CallbackServerContext* context, grpc::ByteBuffer* response)
      : services_(services), context_(context), response_(response) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed: the whole file is here
      Upload();
      return;
    }
    absl::Status status = ParseStreamMessage(message_, request_);
    if (status.ok()) status = Accept();
    if (!status.ok()) {
      Fail(status);
      return;
    }
    StartRead(&message_);
  }

  void OnCancel() override { calls_.CancelAll(); }

  // The lease (a member) is given back here whatever ended the call: finish,
  // error or cancel.
  void OnDone() override { delete this; }

 private:
  // Ends the call now and lets go of what it buffered.
  void Fail(const absl::Status& status) {
    content_.Clear();
    lease_.Release();
    Finish(errors::ToGrpcStatus(status));
  }

  absl::Status Accept() {
    if (request_.has_metadata()) {
      if (have_metadata_) return ProtocolViolation("metadata sent twice");
      have_metadata_ = true;
      metadata_ = std::move(*request_.mutable_metadata());
      request_.Clear();
      if (absl::Status status = CheckMetadata(); !status.ok()) return status;
      return Reserve();
    }
    if (!have_metadata_) {
      return ProtocolViolation("the first message must carry metadata");
    }
    if (metadata_.has_prepared_data()) {
      return ProtocolViolation("chunks are not allowed with prepared_data");
    }
    std::string chunk = std::move(*request_.mutable_chunk());
    request_.Clear();
    if (chunk.empty() || static_cast<int64_t>(chunk.size()) > kMaxChunkBytes) {
      return errors::InvalidField("chunk", "must hold 1 byte to 1 MiB");
    }
    const int64_t total = static_cast<int64_t>(content_.size()) +
                          static_cast<int64_t>(chunk.size());
    if (declared_ > 0 && total > declared_) {
      return ProtocolViolation(
          "the stream holds more bytes than metadata.size_bytes");
    }
    if (type_ == MediaType::kUnknown) {
      if (head_.size() < kMagicBytes) {
        head_.append(chunk, 0, kMagicBytes - head_.size());
      }
      if (head_.size() >= kMagicBytes) {
        if (absl::Status status = TypeKnown(); !status.ok()) return status;
      }
    }
    if (total > limit_) return TooLarge("chunk", limit_);
    // Kept as received: a Cord adopts a chunk this large without copying.
    content_.Append(std::move(chunk));
    return absl::OkStatus();
  }

  // The first bytes arrived: the type, and with it the real limit, is known.
  absl::Status TypeKnown() {
    type_ = DetectMediaType(head_);
    if (type_ == MediaType::kUnknown) {
      return Unsupported("the file is not a JPEG, PNG or PDF document");
    }
    const std::string mime = MimeType(type_);
    if (!metadata_.content_type().empty() && metadata_.content_type() != mime) {
      return Unsupported(absl::StrCat("metadata.content_type says ",
                                      metadata_.content_type(),
                                      " but the bytes are ", mime));
    }
    const int64_t limit = type_ == MediaType::kPdf
                              ? services_.options.max_pdf_bytes
                              : services_.options.max_image_bytes;
    if (declared_ > limit) return TooLarge("metadata.size_bytes", limit);
    if (declared_ == 0 && limit + kMultipartSlack > lease_.bytes() &&
        !lease_.Resize(limit + kMultipartSlack)) {
      return services_.budget->Exhausted(
          "the gateway's upload buffer has no room for a PDF of unknown size "
          "(declare metadata.size_bytes to reserve less)");
    }
    limit_ = declared_ > 0 ? declared_ : limit;
    return absl::OkStatus();
  }

  absl::Status CheckMetadata() {
    absl::StatusOr<PartName> name =
        ParsePartName(metadata_.name(), "metadata.name", false);
    if (!name.ok()) return name.status();
    if (absl::Status s =
            Admit(services_, *context_, {name->region}, metadata_.name());
        !s.ok()) {
      return s;
    }
    name_ = *std::move(name);
    if (metadata_.mode() != v1::UPLOAD_MODE_UNSPECIFIED &&
        metadata_.mode() != v1::UPLOAD_MODE_ADD &&
        metadata_.mode() != v1::UPLOAD_MODE_REPLACE) {
      return errors::InvalidField("metadata.mode", "is not a known mode");
    }
    const std::string& filename = metadata_.filename();
    if (filename.size() > 255 ||
        filename.find_first_of("/\\") != std::string::npos ||
        std::any_of(filename.begin(), filename.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return errors::InvalidField("metadata.filename",
                                  "must be at most 255 bytes without path "
                                  "separators or control characters");
    }
    if (!metadata_.credential_token().empty()) {
      // Sent as "Authorization: Bearer <token>".
      if (absl::Status status = CheckTokenValue(metadata_.credential_token(),
                                                "metadata.credential_token");
          !status.ok()) {
        return status;
      }
    }
    const bool prepared = name_.classifier == "PREPARED_DATA";
    if (prepared != metadata_.has_prepared_data()) {
      return errors::InvalidField(
          "metadata.prepared_data",
          prepared ? "is required for a PREPARED_DATA part"
                   : "is only allowed for a PREPARED_DATA part");
    }
    if (metadata_.size_bytes() < 0) {
      return errors::InvalidField("metadata.size_bytes",
                                  "must not be negative");
    }
    // The largest file any accepted type may be; the exact limit follows from
    // the magic bytes.
    const int64_t largest = std::max(services_.options.max_image_bytes,
                                     services_.options.max_pdf_bytes);
    if (metadata_.size_bytes() > largest) {
      return TooLarge("metadata.size_bytes", largest);
    }
    declared_ = metadata_.size_bytes();
    return absl::OkStatus();
  }

  // Takes the stream's share of the budget before any byte is accepted: the
  // declared size, else the image limit (most uploads are images; a PDF grows
  // the lease once its first bytes show what it is). A stream that does not
  // fit is refused now, at its metadata.
  absl::Status Reserve() {
    int64_t bytes;
    if (metadata_.has_prepared_data()) {
      bytes = kMaxPreparedDataBytes;
      limit_ = 0;
    } else if (declared_ > 0) {
      bytes = declared_ + kMultipartSlack;
      limit_ = declared_;
    } else {
      limit_ = services_.options.max_image_bytes;
      bytes = limit_ + kMultipartSlack;
    }
    absl::StatusOr<BufferBudget::Lease> lease =
        services_.budget->Acquire(bytes, BufferBudget::Kind::kUpload);
    if (!lease.ok()) return lease.status();
    lease_ = *std::move(lease);
    return absl::OkStatus();
  }

  // The Jumio request for the collected upload, or why there must be none.
  absl::StatusOr<jumio::PartUpload> BuildUpload() {
    if (!have_metadata_) {
      return ProtocolViolation("the stream ended without metadata");
    }
    jumio::PartUpload upload;
    upload.part = {name_.region, name_.account, name_.workflow_execution,
                   name_.credential, name_.classifier};
    upload.replace = metadata_.mode() == v1::UPLOAD_MODE_REPLACE;
    upload.credential_token = metadata_.credential_token();

    if (metadata_.has_prepared_data()) {
      absl::StatusOr<std::string> body =
          codec::WritePreparedData(metadata_.prepared_data());
      if (!body.ok()) return body.status();
      if (static_cast<int64_t>(body->size()) > kMaxPreparedDataBytes) {
        return TooLarge("metadata.prepared_data", kMaxPreparedDataBytes);
      }
      upload.prepared_data_json = *std::move(body);
      content_type_ = "application/json";
      return upload;
    }

    if (content_.empty()) {
      return ProtocolViolation("no bytes followed the metadata");
    }
    if (declared_ != 0 && declared_ != static_cast<int64_t>(content_.size())) {
      return ProtocolViolation(
          "the stream's size differs from metadata.size_bytes");
    }
    if (type_ == MediaType::kUnknown) {
      // A file shorter than kMagicBytes: its type is decided now.
      if (absl::Status status = TypeKnown(); !status.ok()) return status;
      if (static_cast<int64_t>(content_.size()) > limit_) {
        return TooLarge("chunk", limit_);
      }
    }
    content_type_ = MimeType(type_);
    upload.filename = metadata_.filename().empty()
                          ? absl::StrCat(name_.classifier,
                                         type_ == MediaType::kPng   ? ".png"
                                         : type_ == MediaType::kPdf ? ".pdf"
                                                                    : ".jpg")
                          : metadata_.filename();
    upload.content_type = content_type_;
    upload.content = content_;
    return upload;
  }

  void Upload() {
    absl::StatusOr<jumio::PartUpload> upload = BuildUpload();
    if (!upload.ok()) {
      Fail(upload.status());
      return;
    }
    const int64_t size =
        content_.empty()
            ? static_cast<int64_t>(upload->prepared_data_json.size())
            : static_cast<int64_t>(content_.size());
    // The upload shares the chunks; from here it is the only holder, and the
    // lease shrinks to what the request body will hold.
    content_.Clear();
    lease_.Resize(std::min(lease_.bytes(), upload->prepared_data_json.empty()
                                               ? size + kMultipartSlack
                                               : size));
    std::shared_ptr<jumio::CallHandle> handle = services_.jumio->UploadPart(
        *std::move(upload),
        UpstreamOptions(*context_, services_.clock->Now(),
                        services_.options.upstream_timeout),
        [this, size](absl::StatusOr<v1::UploadCredentialPartResponse> parsed) {
          absl::Status status = parsed.status();
          if (parsed.ok()) {
            v1::UploadCredentialPartResponse response = *std::move(parsed);
            response.set_part(name_.Format());
            response.set_size_bytes(size);
            response.set_content_type(content_type_);
            bool own_buffer = false;
            grpc::Status serialized = grpc::SerializationTraits<
                v1::UploadCredentialPartResponse>::Serialize(response,
                                                             response_,
                                                             &own_buffer);
            if (!serialized.ok()) {
              status = absl::InternalError("cannot serialize the response");
            }
          }
          Finish(errors::ToGrpcStatus(status));
        });
    calls_.Add(std::move(handle));
  }

  const ServiceContext& services_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  // Destroyed last (members go in reverse order), after the upstream call
  // that shares the bytes it accounts for.
  BufferBudget::Lease lease_;
  grpc::ByteBuffer message_;
  v1::UploadCredentialPartRequest request_;
  bool have_metadata_ = false;
  v1::UploadCredentialPartMetadata metadata_;
  PartName name_;
  int64_t declared_ = 0;  // metadata.size_bytes, 0 when not declared
  int64_t limit_ = 0;     // most bytes this stream may still grow to
  MediaType type_ = MediaType::kUnknown;
  std::string head_;  // the first kMagicBytes bytes, for the type
  absl::Cord content_;
  std::string content_type_;
  UpstreamCalls calls_;
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
      Finish(errors::ToGrpcStatus(name.status()));
      return;
    }
    if (absl::Status s =
            Admit(services, *context, {name->region}, request.name());
        !s.ok()) {
      Finish(errors::ToGrpcStatus(s));
      return;
    }
    chunk_size_ = request.chunk_size_bytes() == 0 ? 256 * 1024
                                                  : request.chunk_size_bytes();
    if (chunk_size_ < 4 * 1024 || chunk_size_ > 1024 * 1024) {
      Finish(errors::ToGrpcStatus(errors::InvalidField(
          "chunk_size_bytes", "must be 0 or from 4 KiB to 1 MiB")));
      return;
    }
    name_ = *std::move(name);
    // The transport holds the whole part until it is written out, so a
    // download takes a lease of the largest part it may be, refused at once
    // when the budget has no room, and shrunk to the real size on arrival.
    const int64_t largest = std::max(services.options.max_image_bytes,
                                     services.options.max_pdf_bytes);
    absl::StatusOr<BufferBudget::Lease> lease =
        services.budget->Acquire(largest, BufferBudget::Kind::kDownload);
    if (!lease.ok()) {
      Finish(errors::ToGrpcStatus(lease.status()));
      return;
    }
    lease_ = *std::move(lease);
    jumio::PartDownload download;
    download.part = {name_.region, name_.account, "", name_.credential,
                     name_.classifier};
    download.max_bytes = static_cast<size_t>(largest);
    std::shared_ptr<jumio::CallHandle> handle = services.jumio->GetPart(
        download,
        UpstreamOptions(*context, services.clock->Now(),
                        services.options.upstream_timeout),
        [this](absl::StatusOr<jumio::PartContent> part) {
          OnFetched(std::move(part));
        });
    calls_.Add(std::move(handle));
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    WriteNext();
  }

  void OnCancel() override { calls_.CancelAll(); }

  void OnDone() override { delete this; }

 private:
  void OnFetched(absl::StatusOr<jumio::PartContent> part) {
    if (!part.ok()) {
      Finish(errors::ToGrpcStatus(part.status()));
      return;
    }
    body_ = std::move(part->bytes);
    lease_.Resize(std::min(lease_.bytes(), static_cast<int64_t>(body_.size())));
    std::string type = part->content_type.empty()
                           ? MimeType(DetectMediaType(body_))
                           : part->content_type;
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

  BufferBudget::Lease lease_;  // destroyed after body_
  PartName name_;
  int32_t chunk_size_ = 0;
  std::string body_;
  size_t offset_ = 0;
  v1::GetCredentialPartResponse message_;
  UpstreamCalls calls_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>*
CredentialService::UploadCredentialPart(grpc::CallbackServerContext* context,
                                        grpc::ByteBuffer* response) {
  return new UploadRpc(context_, context, response);
}

grpc::ServerWriteReactor<v1::GetCredentialPartResponse>*
CredentialService::GetCredentialPart(
    grpc::CallbackServerContext* context,
    const v1::GetCredentialPartRequest* request) {
  return new DownloadRpc(context_, context, *request);
}

}  // namespace jumio_gateway::api
