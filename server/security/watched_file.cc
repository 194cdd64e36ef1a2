#include "server/security/watched_file.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace jumio_gateway::security {
namespace {
constexpr int64_t kMaxBytes = int64_t{1} << 20;
}  // namespace

absl::StatusOr<std::optional<std::string>> WatchedFile::ReadIfChanged() {
  struct stat st;
  if (stat(path_.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path_));
  }
  const Signature signature(st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                            st.st_mtim.tv_nsec);
  if (last_ == signature) return std::nullopt;
  if (st.st_size > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " is larger than ", kMaxBytes, " bytes"));
  }
  std::ifstream in(path_, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path_));
  last_ = signature;
  return contents.str();
}

}  // namespace jumio_gateway::security
