#include "tests/testing/store_scan.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace jumio::testing {

std::vector<std::string> FilesContaining(const std::string& dir,
                                         const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().find(needle) != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

absl::StatusOr<std::vector<std::string>> RedisKeysContaining(
    const std::string& address, const std::string& prefix,
    const std::string& needle) {
  std::pair<std::string, std::string> hp =
      absl::StrSplit(address, absl::MaxSplits(':', 1));
  int port = 0;
  if (!absl::SimpleAtoi(hp.second, &port)) {
    return absl::InvalidArgumentError("address: host:port");
  }
  const timeval tv = {5, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> c(
      redisConnectWithTimeout(hp.first.c_str(), port, tv), redisFree);
  if (c == nullptr || c->err != 0) {
    return absl::UnavailableError("cannot connect to redis");
  }
  redisSetTimeout(c.get(), tv);
  using Reply = std::unique_ptr<redisReply, void (*)(void*)>;
  // DUMP compresses values (LZF) when rdbcompression is on, which would hide
  // a needle: the test's own redis-server dumps them raw.
  Reply config(static_cast<redisReply*>(
                   redisCommand(c.get(), "CONFIG SET rdbcompression no")),
               freeReplyObject);
  if (config == nullptr || config->type == REDIS_REPLY_ERROR) {
    return absl::UnavailableError("CONFIG SET rdbcompression failed");
  }
  std::vector<std::string> found;
  std::string cursor = "0";
  const std::string match = absl::StrCat(prefix, ":*");
  // Bounded: SCAN visits every key once per full iteration.
  for (int round = 0; round < 100000; ++round) {
    Reply scan(static_cast<redisReply*>(
                   redisCommand(c.get(), "SCAN %s MATCH %s COUNT 1000",
                                cursor.c_str(), match.c_str())),
               freeReplyObject);
    if (scan == nullptr || scan->type != REDIS_REPLY_ARRAY ||
        scan->elements != 2) {
      return absl::UnavailableError("SCAN failed");
    }
    cursor.assign(scan->element[0]->str, scan->element[0]->len);
    const redisReply* keys = scan->element[1];
    for (size_t i = 0; i < keys->elements; ++i) {
      const std::string key(keys->element[i]->str, keys->element[i]->len);
      Reply dump(static_cast<redisReply*>(
                     redisCommand(c.get(), "DUMP %b", key.data(), key.size())),
                 freeReplyObject);
      if (dump == nullptr) return absl::UnavailableError("DUMP failed");
      if (dump->type != REDIS_REPLY_STRING) continue;  // expired meanwhile
      if (std::string(dump->str, dump->len).find(needle) != std::string::npos) {
        found.push_back(key);
      }
    }
    if (cursor == "0") return found;
  }
  return absl::DeadlineExceededError("SCAN did not finish");
}

}  // namespace jumio::testing
