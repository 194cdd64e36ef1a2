#include "tests/testing/callback_store_corruption.h"

#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace jumio_gateway::testing {
namespace {

// Protobuf wire format: a length-delimited field.
std::string Field(int number, absl::string_view bytes) {
  std::string out;
  out.push_back(static_cast<char>((number << 3) | 2));
  out.push_back(static_cast<char>(bytes.size()));  // short values only
  out.append(bytes.data(), bytes.size());
  return out;
}

}  // namespace

std::string GarbageCallbackBytes() { return std::string("\x0a\xff\xff", 3); }

std::string InvalidUtf8CallbackBytes(absl::string_view we_id) {
  // Callback.user_reference = 5, Callback.workflow_execution = 6 and
  // WorkflowExecutionSummary.id = 2 (callback.proto, retrieval.proto).
  return Field(5, "\xff\xfe") + Field(6, Field(2, we_id));
}

absl::StatusOr<std::string> InsertRawSqliteCallback(
    const std::string& path, const std::string& dedup_key, int64_t receive_us,
    const std::string& data) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close_v2(db);
    return absl::UnavailableError("cannot open " + path);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  absl::Status status;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO callbacks (dedup_key, receive_us, data) "
                         "VALUES (?, ?, ?)",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    status = absl::UnavailableError(sqlite3_errmsg(db));
  } else {
    sqlite3_bind_text(stmt, 1, dedup_key.data(),
                      static_cast<int>(dedup_key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, receive_us);
    sqlite3_bind_blob(stmt, 3, data.data(), static_cast<int>(data.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      status = absl::UnavailableError(sqlite3_errmsg(db));
    }
  }
  const int64_t seq = sqlite3_last_insert_rowid(db);
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  if (!status.ok()) return status;
  return absl::StrCat(seq);
}

absl::StatusOr<std::string> AddRawRedisEntry(const std::string& address,
                                             const std::string& prefix,
                                             const std::string& field,
                                             const std::string& data) {
  std::pair<std::string, std::string> hp =
      absl::StrSplit(address, absl::MaxSplits(':', 1));
  int port = 0;
  if (!absl::SimpleAtoi(hp.second, &port)) {
    return absl::InvalidArgumentError("bad address " + address);
  }
  redisContext* c = redisConnect(hp.first.c_str(), port);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError("cannot connect to " + address);
  }
  const std::string key = prefix + ":log";
  const char* argv[] = {"XADD", key.c_str(), "*", field.c_str(), data.data()};
  const size_t lens[] = {4, key.size(), 1, field.size(), data.size()};
  auto* reply = static_cast<redisReply*>(redisCommandArgv(c, 5, argv, lens));
  absl::StatusOr<std::string> out = absl::UnavailableError("XADD failed");
  if (reply != nullptr && reply->type == REDIS_REPLY_STRING) {
    out = std::string(reply->str, reply->len);
  }
  if (reply != nullptr) freeReplyObject(reply);
  redisFree(c);
  return out;
}

}  // namespace jumio_gateway::testing
