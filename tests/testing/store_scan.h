// Byte scans of what the gateway stored, for the privacy tests: every file
// under a data directory (SQLite main file, -wal, -shm, journals), and every
// key of a Redis deployment prefix (SCAN, then DUMP of each key, which holds
// the bytes a key keeps, including stream entries flagged deleted).
#ifndef JUMIO_GATEWAY_TESTS_TESTING_STORE_SCAN_H_
#define JUMIO_GATEWAY_TESTS_TESTING_STORE_SCAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace jumio::testing {

// Every regular file under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir,
                                         const std::string& needle);

// Every key under "<prefix>:" on the redis-server at `address`
// ("host:port") whose DUMP contains `needle`. Sets rdbcompression off on
// that server first (DUMP would compress values): for test servers only.
absl::StatusOr<std::vector<std::string>> RedisKeysContaining(
    const std::string& address, const std::string& prefix,
    const std::string& needle);

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_STORE_SCAN_H_
