#include "server/callbacks/sqlite_request_ids.h"

#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS request_ids (
  key TEXT PRIMARY KEY,
  record BLOB NOT NULL,
  expires_us INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT ''
);
)sql";

// Tables made before the subject column get it; the error of a second
// ALTER on a table that has it is the only one ignored (see Open).
constexpr char kAddSubject[] =
    "ALTER TABLE request_ids ADD COLUMN subject TEXT NOT NULL DEFAULT ''";
constexpr char kSubjectIndex[] =
    "CREATE INDEX IF NOT EXISTS request_ids_subject ON request_ids(subject)";
// The retention sweep and the oldest-record report read by expiry.
constexpr char kExpiresIndex[] =
    "CREATE INDEX IF NOT EXISTS request_ids_expires ON request_ids(expires_us)";

absl::Status Unavailable(sqlite3* db, absl::string_view what) {
  absl::Status s = errors::Error(
      absl::StatusCode::kUnavailable,
      ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
      absl::StrCat("request id store (sqlite) ", what, ": ",
                   db != nullptr ? sqlite3_errmsg(db) : "no database"));
  errors::SetRetryDelay(s, absl::Seconds(1));
  return s;
}

// One statement, finalized on scope exit.
struct Statement {
  Statement(sqlite3* db, const char* sql) {
    ok = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt); }
  void Text(int i, absl::string_view v) {
    sqlite3_bind_text(stmt, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void Blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  sqlite3_stmt* stmt = nullptr;
  bool ok = false;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Unavailable(db, "exec");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteRequestIdStore>>
SqliteRequestIdStore::Open(Options options) {
  std::unique_ptr<SqliteRequestIdStore> store(
      new SqliteRequestIdStore(std::move(options)));
  absl::MutexLock lock(&store->mu_);
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(store->options_.path.c_str(), &store->db_, flags,
                      nullptr) != SQLITE_OK) {
    return Unavailable(store->db_, "open");
  }
  // The callback log's writer holds the file's write lock for one group
  // commit at a time; wait for it as its own connections do.
  sqlite3_busy_timeout(store->db_, 5000);
  // secure_delete: an erased outcome's bytes are overwritten, not left in
  // free pages (the callback log's connections do the same).
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "PRAGMA secure_delete=ON", kSchema}) {
    if (absl::Status s = Exec(store->db_, sql); !s.ok()) return s;
  }
  if (sqlite3_exec(store->db_, kAddSubject, nullptr, nullptr, nullptr) !=
          SQLITE_OK &&
      !absl::StrContains(sqlite3_errmsg(store->db_), "duplicate column")) {
    return Unavailable(store->db_, "add the subject column");
  }
  for (const char* sql : {kSubjectIndex, kExpiresIndex}) {
    if (absl::Status s = Exec(store->db_, sql); !s.ok()) return s;
  }
  return store;
}

SqliteRequestIdStore::~SqliteRequestIdStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close_v2(db_);
}

absl::StatusOr<absl::optional<RequestIdRecord>> SqliteRequestIdStore::Lookup(
    absl::string_view key, absl::Time now) {
  Statement select(db_,
                   "SELECT record FROM request_ids WHERE key = ?1 AND "
                   "expires_us > ?2");
  if (!select.ok) return Unavailable(db_, "prepare");
  select.Text(1, key);
  sqlite3_bind_int64(select.stmt, 2, absl::ToUnixMicros(now));
  const int rc = sqlite3_step(select.stmt);
  if (rc == SQLITE_DONE) return absl::nullopt;
  if (rc != SQLITE_ROW) return Unavailable(db_, "read");
  const void* data = sqlite3_column_blob(select.stmt, 0);
  const int size = sqlite3_column_bytes(select.stmt, 0);
  absl::optional<RequestIdRecord> record = DecodeRequestIdRecord(
      absl::string_view(static_cast<const char*>(data), size));
  if (!record.has_value()) return Unavailable(db_, "unreadable record");
  return record;
}

absl::StatusOr<absl::optional<RequestIdRecord>> SqliteRequestIdStore::Begin(
    absl::string_view key, const RequestIdRecord& record) {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  // IMMEDIATE: the write lock is taken before the read, so two processes on
  // one file cannot both see the key free.
  if (absl::Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
  auto rollback = [this] { Exec(db_, "ROLLBACK").IgnoreError(); };
  absl::StatusOr<absl::optional<RequestIdRecord>> existing = Lookup(key, now);
  if (!existing.ok() || existing->has_value()) {
    rollback();
    return existing;
  }
  Statement insert(db_,
                   "INSERT OR REPLACE INTO request_ids (key, record, "
                   "expires_us) VALUES (?1, ?2, ?3)");
  if (!insert.ok) {
    rollback();
    return Unavailable(db_, "prepare");
  }
  insert.Text(1, key);
  insert.Blob(2, EncodeRequestIdRecord(record));
  sqlite3_bind_int64(insert.stmt, 3,
                     absl::ToUnixMicros(now + options_.retention));
  if (sqlite3_step(insert.stmt) != SQLITE_DONE) {
    rollback();
    return Unavailable(db_, "insert");
  }
  if (absl::Status s = Exec(db_, "COMMIT"); !s.ok()) {
    rollback();
    return s;
  }
  return absl::nullopt;
}

absl::Status SqliteRequestIdStore::Finish(absl::string_view key,
                                          const RequestIdRecord& record) {
  absl::MutexLock lock(&mu_);
  Statement update(
      db_, "UPDATE request_ids SET record = ?2, subject = ?3 WHERE key = ?1");
  if (!update.ok) return Unavailable(db_, "prepare");
  update.Text(1, key);
  update.Blob(2, EncodeRequestIdRecord(record));
  update.Text(3, record.subject);
  if (sqlite3_step(update.stmt) != SQLITE_DONE) {
    return Unavailable(db_, "update");
  }
  return absl::OkStatus();
}

absl::Status SqliteRequestIdStore::Release(absl::string_view key,
                                           absl::string_view owner) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::StatusOr<absl::optional<RequestIdRecord>> existing =
      Lookup(key, options_.clock->Now());
  if (existing.ok() && existing->has_value() &&
      (*existing)->state == RequestIdRecord::State::kPending &&
      (*existing)->owner == owner) {
    Statement remove(db_, "DELETE FROM request_ids WHERE key = ?1");
    if (remove.ok) {
      remove.Text(1, key);
      sqlite3_step(remove.stmt);
    }
  }
  absl::Status status = Exec(db_, "COMMIT");
  if (!status.ok()) Exec(db_, "ROLLBACK").IgnoreError();
  return existing.ok() ? status : existing.status();
}

absl::StatusOr<absl::optional<RequestIdRecord>> SqliteRequestIdStore::Get(
    absl::string_view key) {
  absl::MutexLock lock(&mu_);
  return Lookup(key, options_.clock->Now());
}

absl::Status SqliteRequestIdStore::ForgetSubject(absl::string_view subject) {
  absl::MutexLock lock(&mu_);
  // A record is its head line, a newline, then the outcome: keep the head
  // (state, fingerprint, expiry: the id stays taken), cut the rest.
  Statement update(db_,
                   "UPDATE request_ids SET record = substr(record, 1, "
                   "instr(record, x'0a')) WHERE subject = ?1 AND "
                   "length(record) > instr(record, x'0a')");
  if (!update.ok) return Unavailable(db_, "prepare");
  update.Text(1, subject);
  if (sqlite3_step(update.stmt) != SQLITE_DONE) {
    return Unavailable(db_, "erase");
  }
  // The old pages are in the WAL until a checkpoint copies and truncates it.
  return Exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
}

absl::StatusOr<int64_t> SqliteRequestIdStore::ApplyRetention(int batch,
                                                             int max_batches) {
  const absl::Time now = options_.clock->Now();
  int64_t deleted = 0;
  for (int i = 0; i < max_batches; ++i) {
    absl::MutexLock lock(&mu_);
    Statement remove(db_,
                     "DELETE FROM request_ids WHERE rowid IN (SELECT rowid "
                     "FROM request_ids WHERE expires_us <= ?1 LIMIT ?2)");
    if (!remove.ok) return Unavailable(db_, "prepare");
    sqlite3_bind_int64(remove.stmt, 1, absl::ToUnixMicros(now));
    sqlite3_bind_int64(remove.stmt, 2, batch);
    if (sqlite3_step(remove.stmt) != SQLITE_DONE) {
      return Unavailable(db_, "retention");
    }
    const int n = sqlite3_changes(db_);
    deleted += n;
    if (n < batch) break;
  }
  return deleted;
}

absl::StatusOr<OldestRecord> SqliteRequestIdStore::Oldest() {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT min(expires_us) FROM request_ids");
  if (!select.ok) return Unavailable(db_, "prepare");
  if (sqlite3_step(select.stmt) != SQLITE_ROW) {
    return Unavailable(db_, "oldest");
  }
  OldestRecord oldest;
  if (sqlite3_column_type(select.stmt, 0) != SQLITE_NULL) {
    // Written `retention` before it expires.
    oldest.written =
        absl::FromUnixMicros(sqlite3_column_int64(select.stmt, 0)) -
        options_.retention;
  }
  return oldest;
}

}  // namespace jumio_gateway::callbacks
