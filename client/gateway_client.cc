#include "client/gateway_client.h"

#include <grpcpp/support/client_interceptor.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace jumio_gateway::client {

// Generated from client/service_config.json (BUILD: service_config_json).
extern const char kServiceConfigJson[];

namespace v1 = ::jumio::gateway::v1;

namespace {

// The host part of a gRPC target: strips a scheme ("dns:///", "ipv4:"), a
// port and IPv6 brackets.
std::string TargetHost(std::string target) {
  for (const char* scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(target, scheme)) {
      target = target.substr(strlen(scheme));
      break;
    }
  }
  if (absl::StartsWith(target, "[")) {
    const size_t close = target.find(']');
    return close == std::string::npos ? target : target.substr(1, close - 1);
  }
  // One colon: host:port. More than one without brackets: a bare IPv6 address.
  const size_t colon = target.find(':');
  if (colon != std::string::npos &&
      target.find(':', colon + 1) == std::string::npos) {
    return target.substr(0, colon);
  }
  return target;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string FormatDelay(const google::protobuf::Duration& delay) {
  return absl::FormatDuration(absl::Seconds(delay.seconds()) +
                              absl::Nanoseconds(delay.nanos()));
}

}  // namespace

const std::string& PublishedServiceConfig() {
  static const std::string* const kConfig = new std::string(kServiceConfigJson);
  return *kConfig;
}

bool IsLoopbackTarget(const std::string& target) {
  const std::string host = absl::AsciiStrToLower(TargetHost(target));
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

bool UsesTls(const ConnectionOptions& options) {
  if (!options.ca_file.empty() || !options.cert_file.empty()) return true;
  if (options.tls.has_value()) return *options.tls;
  return !IsLoopbackTarget(options.target);
}

namespace {

// Adds the caller's bearer token to every call of the channel.
class BearerTokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string& header)
      : header_(header) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", header_);
    }
    methods->Proceed();
  }

 private:
  const std::string& header_;
};

class BearerTokenFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(std::string token)
      : header_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new BearerTokenInterceptor(header_);
  }

 private:
  const std::string header_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(
    const ConnectionOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetUserAgentPrefix("jumioctl/1");
  if (!options.service_config_json.empty()) {
    arguments.SetServiceConfigJSON(options.service_config_json);
  }
  if (options.keepalive_time > absl::ZeroDuration()) {
    arguments.SetInt(
        GRPC_ARG_KEEPALIVE_TIME_MS,
        static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
    arguments.SetInt(
        GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
        static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  const bool tls = UsesTls(options);
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("--cert_file and --key_file go together");
  }
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      absl::StatusOr<std::string> roots = ReadFile(options.ca_file);
      if (!roots.ok()) return roots.status();
      ssl.pem_root_certs = *std::move(roots);
    }
    if (!options.cert_file.empty()) {
      absl::StatusOr<std::string> chain = ReadFile(options.cert_file);
      if (!chain.ok()) return chain.status();
      absl::StatusOr<std::string> key = ReadFile(options.key_file);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(chain);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  if (options.token_file.empty()) {
    return grpc::CreateCustomChannel(options.target, credentials, arguments);
  }
  if (!tls && !IsLoopbackTarget(options.target)) {
    return absl::InvalidArgumentError(
        "--token_file needs TLS off the machine (the gateway refuses tokens "
        "in the clear)");
  }
  absl::StatusOr<std::string> token = ReadFile(options.token_file);
  if (!token.ok()) return token.status();
  const std::string trimmed(absl::StripAsciiWhitespace(*token));
  if (trimmed.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.token_file, " holds no token"));
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<BearerTokenFactory>(trimmed));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.target, credentials, arguments, std::move(interceptors));
}

std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }
  return context;
}

grpc::Status UploadPartFromFile(v1::CredentialService::StubInterface& stub,
                                grpc::ClientContext* context,
                                v1::UploadCredentialPartMetadata metadata,
                                const std::string& path, size_t chunk_size,
                                v1::UploadCredentialPartResponse* response) {
  std::ifstream in;
  if (!path.empty()) {
    in.open(path, std::ios::binary);
    struct stat info;
    if (!in || stat(path.c_str(), &info) != 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("cannot read ", path));
    }
    metadata.set_size_bytes(info.st_size);
    if (metadata.filename().empty()) {
      const size_t slash = path.rfind('/');
      metadata.set_filename(
          slash == std::string::npos ? path : path.substr(slash + 1));
    }
  }
  if (chunk_size == 0) chunk_size = 256 * 1024;
  auto stream = stub.UploadCredentialPart(context, response);
  v1::UploadCredentialPartRequest first;
  *first.mutable_metadata() = std::move(metadata);
  // A failed Write means the call already ended (for example the gateway
  // refused the metadata); Finish reports why, so stop writing and ask it.
  bool open = stream->Write(first);
  std::vector<char> buffer(chunk_size);
  while (open && !path.empty()) {
    in.read(buffer.data(), buffer.size());
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    v1::UploadCredentialPartRequest next;
    next.set_chunk(buffer.data(), n);
    open = stream->Write(next);
  }
  if (open && in.bad()) {
    context->TryCancel();
    stream->Finish().ok();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("error reading ", path));
  }
  if (open) stream->WritesDone();
  return stream->Finish();
}

grpc::Status DownloadPartToFile(v1::CredentialService::StubInterface& stub,
                                grpc::ClientContext* context,
                                const v1::GetCredentialPartRequest& request,
                                const std::string& path,
                                v1::CredentialPartMetadata* metadata,
                                int64_t* written) {
  const std::string temp = absl::StrCat(path, ".part-", getpid());
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  if (!out) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("cannot write ", temp));
  }
  *written = 0;
  bool have_metadata = false;
  auto reader = stub.GetCredentialPart(context, request);
  v1::GetCredentialPartResponse message;
  while (reader->Read(&message)) {
    if (message.has_metadata()) {
      *metadata = message.metadata();
      have_metadata = true;
    }
    if (!message.chunk().empty()) {
      out.write(message.chunk().data(), message.chunk().size());
      *written += message.chunk().size();
    }
  }
  grpc::Status status = reader->Finish();
  out.close();
  if (status.ok() && !out) {
    status = grpc::Status(grpc::StatusCode::INTERNAL,
                          absl::StrCat("error writing ", temp));
  }
  if (status.ok() && (!have_metadata || metadata->size_bytes() != *written)) {
    status = grpc::Status(
        grpc::StatusCode::DATA_LOSS,
        absl::StrCat("received ", *written, " bytes but the gateway announced ",
                     have_metadata ? absl::StrCat(metadata->size_bytes())
                                   : std::string("no metadata")));
  }
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = grpc::Status(grpc::StatusCode::INTERNAL,
                          absl::StrCat("cannot rename ", temp, " to ", path));
  }
  if (!status.ok()) std::remove(temp.c_str());
  return status;
}

std::string CodeName(grpc::StatusCode code) {
  // grpc::StatusCode and absl::StatusCode share their numbering (both are the
  // canonical google.rpc.Code), and absl has the names.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::optional<absl::Duration> RetryDelay(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (status.error_details().empty() ||
      !rpc.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  for (const auto& any : rpc.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) {
      return absl::Seconds(retry.retry_delay().seconds()) +
             absl::Nanoseconds(retry.retry_delay().nanos());
    }
  }
  return std::nullopt;
}

std::string DescribeRpcError(const grpc::Status& status) {
  std::string text = absl::StrCat(CodeName(status.error_code()), ": ",
                                  status.error_message(), "\n");
  google::rpc::Status rpc;
  if (status.error_details().empty() ||
      !rpc.ParseFromString(status.error_details())) {
    return text;
  }
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    google::rpc::RetryInfo retry;
    google::rpc::PreconditionFailure precondition;
    google::rpc::QuotaFailure quota;
    google::rpc::ResourceInfo resource;
    google::rpc::Help help;
    google::rpc::LocalizedMessage localized;
    google::rpc::RequestInfo request;
    if (any.UnpackTo(&info)) {
      absl::StrAppend(&text, "  reason: ", info.reason());
      if (!info.domain().empty())
        absl::StrAppend(&text, " (", info.domain(), ")");
      // Sorted, so that the output is stable whatever the map order.
      std::vector<std::string> pairs;
      for (const auto& [key, value] : info.metadata()) {
        pairs.push_back(absl::StrCat(key, "=", value));
      }
      std::sort(pairs.begin(), pairs.end());
      if (!pairs.empty())
        absl::StrAppend(&text, " ", absl::StrJoin(pairs, " "));
      absl::StrAppend(&text, "\n");
    } else if (any.UnpackTo(&bad)) {
      for (const auto& violation : bad.field_violations()) {
        absl::StrAppend(&text, "  invalid field ", violation.field(), ": ",
                        violation.description(), "\n");
      }
    } else if (any.UnpackTo(&retry)) {
      absl::StrAppend(
          &text, "  retry after: ", FormatDelay(retry.retry_delay()), "\n");
    } else if (any.UnpackTo(&precondition)) {
      for (const auto& v : precondition.violations()) {
        absl::StrAppend(&text, "  precondition ", v.type(), " ", v.subject(),
                        ": ", v.description(), "\n");
      }
    } else if (any.UnpackTo(&quota)) {
      for (const auto& v : quota.violations()) {
        absl::StrAppend(&text, "  quota ", v.subject(), ": ", v.description(),
                        "\n");
      }
    } else if (any.UnpackTo(&resource)) {
      absl::StrAppend(&text, "  resource: ", resource.resource_type(), " ",
                      resource.resource_name(), " ", resource.description(),
                      "\n");
    } else if (any.UnpackTo(&help)) {
      for (const auto& link : help.links()) {
        absl::StrAppend(&text, "  help: ", link.description(), " ", link.url(),
                        "\n");
      }
    } else if (any.UnpackTo(&localized)) {
      absl::StrAppend(&text, "  message (", localized.locale(),
                      "): ", localized.message(), "\n");
    } else if (any.UnpackTo(&request)) {
      absl::StrAppend(&text, "  request id: ", request.request_id(), "\n");
    } else {
      absl::StrAppend(&text, "  detail: ", any.type_url(), "\n");
    }
  }
  return text;
}

}  // namespace jumio_gateway::client
