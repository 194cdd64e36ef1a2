// A small file re-read when it changes (device, inode, size or modification
// time, following symlinks, so that a Kubernetes secret's atomic symlink swap
// counts), for settings that rotate without a restart.
#ifndef JUMIO_GATEWAY_SERVER_SECURITY_WATCHED_FILE_H_
#define JUMIO_GATEWAY_SERVER_SECURITY_WATCHED_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"

namespace jumio_gateway::security {

class WatchedFile {
 public:
  explicit WatchedFile(std::string path) : path_(std::move(path)) {}

  // The contents when the file changed since the last successful read (or
  // on the first call); nullopt when unchanged. An error (unreadable,
  // larger than 1 MiB) leaves the last successful read current, so the next
  // call tries again.
  absl::StatusOr<std::optional<std::string>> ReadIfChanged();
  const std::string& path() const { return path_; }

 private:
  using Signature = std::tuple<uint64_t, uint64_t, int64_t, int64_t, int64_t>;
  const std::string path_;
  std::optional<Signature> last_;
};

}  // namespace jumio_gateway::security

#endif  // JUMIO_GATEWAY_SERVER_SECURITY_WATCHED_FILE_H_
