// The gateway's Jumio API credentials (OAuth2 client id and secret). They live
// in files, so that Kubernetes Secret volumes can rotate them, and are re-read
// when a file changes; the environment is the fallback for local runs. The
// values are only ever handed to the token source.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_CREDENTIALS_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_CREDENTIALS_H_

#include <ctime>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace jumio_gateway::jumio {

struct ClientCredentials {
  std::string client_id;
  std::string client_secret;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // The current credentials, or FAILED_PRECONDITION saying which source is
  // missing (never the values).
  virtual absl::StatusOr<ClientCredentials> Get() = 0;
};

// Reads the two files (surrounding white space trimmed), re-reading them
// whenever their size or modification time changes. With empty paths it uses
// the environment variables instead (JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET
// unless others are named).
class FileCredentialsProvider : public CredentialsProvider {
 public:
  FileCredentialsProvider(std::string id_file, std::string secret_file,
                          std::string id_env = "JUMIO_CLIENT_ID",
                          std::string secret_env = "JUMIO_CLIENT_SECRET");
  absl::StatusOr<ClientCredentials> Get() override;

 private:
  struct FileStamp {
    off_t size = -1;
    timespec mtime{};
    bool operator==(const FileStamp& other) const;
  };
  absl::StatusOr<std::string> ReadFile(const std::string& path,
                                       FileStamp& stamp);

  const std::string id_file_;
  const std::string secret_file_;
  const std::string id_env_;
  const std::string secret_env_;
  absl::Mutex mu_;
  FileStamp id_stamp_ ABSL_GUARDED_BY(mu_);
  FileStamp secret_stamp_ ABSL_GUARDED_BY(mu_);
  absl::StatusOr<ClientCredentials> cached_ ABSL_GUARDED_BY(mu_) =
      absl::FailedPreconditionError("not read yet");
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_CREDENTIALS_H_
