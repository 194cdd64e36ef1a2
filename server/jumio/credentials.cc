#include "server/jumio/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace jumio_gateway::jumio {

bool FileCredentialsProvider::FileStamp::operator==(
    const FileStamp& other) const {
  return size == other.size && mtime.tv_sec == other.mtime.tv_sec &&
         mtime.tv_nsec == other.mtime.tv_nsec;
}

FileCredentialsProvider::FileCredentialsProvider(std::string id_file,
                                                 std::string secret_file,
                                                 std::string id_env,
                                                 std::string secret_env)
    : id_file_(std::move(id_file)),
      secret_file_(std::move(secret_file)),
      id_env_(std::move(id_env)),
      secret_env_(std::move(secret_env)) {}

absl::StatusOr<std::string> FileCredentialsProvider::ReadFile(
    const std::string& path, FileStamp& stamp) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read credentials file ", path));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string value(absl::StripAsciiWhitespace(contents.str()));
  if (value.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("credentials file ", path, " is empty"));
  }
  return value;
}

absl::StatusOr<ClientCredentials> FileCredentialsProvider::Get() {
  if (id_file_.empty() || secret_file_.empty()) {
    const char* id = std::getenv(id_env_.c_str());
    const char* secret = std::getenv(secret_env_.c_str());
    if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
      return absl::FailedPreconditionError(absl::StrCat(
          "no Jumio credentials: set client_id_file and client_secret_file, "
          "or ",
          id_env_, " and ", secret_env_));
    }
    return ClientCredentials{id, secret};
  }

  // A stat per call is cheap next to the token request it precedes, and it lets
  // a rotated Secret take effect on the next refresh without a restart.
  auto stamp_of = [](const std::string& path) {
    FileStamp stamp;
    struct stat info;
    if (stat(path.c_str(), &info) == 0) {
      stamp.size = info.st_size;
      stamp.mtime = info.st_mtim;
    }
    return stamp;
  };
  FileStamp id_stamp = stamp_of(id_file_);
  FileStamp secret_stamp = stamp_of(secret_file_);

  absl::MutexLock lock(&mu_);
  if (cached_.ok() && id_stamp == id_stamp_ && secret_stamp == secret_stamp_) {
    return cached_;
  }
  absl::StatusOr<std::string> id = ReadFile(id_file_, id_stamp);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> secret = ReadFile(secret_file_, secret_stamp);
  if (!secret.ok()) return secret.status();
  id_stamp_ = id_stamp;
  secret_stamp_ = secret_stamp;
  cached_ = ClientCredentials{*std::move(id), *std::move(secret)};
  return cached_;
}

}  // namespace jumio_gateway::jumio
