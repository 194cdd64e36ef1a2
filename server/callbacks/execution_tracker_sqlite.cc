#include "server/callbacks/execution_tracker_sqlite.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {
namespace {

// Times in microseconds since the epoch; finalized_us 0: not finalized.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS tracked_executions (
  id TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  account_id TEXT NOT NULL,
  workflow_key INTEGER NOT NULL,
  started_us INTEGER NOT NULL,
  finalized_us INTEGER NOT NULL,
  token_lifetime_s INTEGER NOT NULL,
  last_status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  next_check_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tracked_executions_due
  ON tracked_executions (next_check_us);
CREATE INDEX IF NOT EXISTS tracked_executions_started
  ON tracked_executions (started_us);
)sql";

absl::Status Failed(sqlite3* db, absl::string_view what) {
  absl::Status s = errors::Error(
      absl::StatusCode::kUnavailable,
      ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
      absl::StrCat("execution tracker (sqlite): ", what, ": ",
                   db == nullptr ? "no database" : sqlite3_errmsg(db)));
  errors::SetRetryDelay(s, absl::Seconds(1));
  return s;
}

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return ok_; }
  Statement& Text(int i, absl::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Int(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  std::string ColumnText(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t == nullptr ? "" : reinterpret_cast<const char*>(t);
  }
  int64_t ColumnInt(int i) { return sqlite3_column_int64(stmt_, i); }
  bool IsNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// Runs a statement that returns no rows.
absl::Status RunDone(sqlite3* db, Statement& stmt, absl::string_view what) {
  if (!stmt.ok() || stmt.Step() != SQLITE_DONE) return Failed(db, what);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteExecutionTracker>>
SqliteExecutionTracker::Open(const std::string& path) {
  std::unique_ptr<SqliteExecutionTracker> t(new SqliteExecutionTracker());
  absl::MutexLock l(&t->mu_);
  if (sqlite3_open_v2(
          path.c_str(), &t->db_,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
          nullptr) != SQLITE_OK) {
    return Failed(t->db_, "open");
  }
  // The callback log's writer holds the file's write lock for one group
  // commit at a time; waiting for it is short.
  sqlite3_busy_timeout(t->db_, 5000);
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
        "PRAGMA secure_delete=ON", kSchema}) {
    if (sqlite3_exec(t->db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Failed(t->db_, "schema");
    }
  }
  return t;
}

SqliteExecutionTracker::~SqliteExecutionTracker() {
  absl::MutexLock l(&mu_);
  sqlite3_close(db_);
}

absl::Status SqliteExecutionTracker::Track(const TrackedExecution& e) {
  absl::MutexLock l(&mu_);
  Statement s(db_,
              "INSERT OR REPLACE INTO tracked_executions (id, region, "
              "account_id, workflow_key, started_us, finalized_us, "
              "token_lifetime_s, last_status, attempt, next_check_us) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s.Text(1, e.workflow_execution_id)
      .Text(2, e.region)
      .Text(3, e.account_id)
      .Int(4, e.workflow_key)
      .Int(5, Micros(e.started))
      .Int(6, e.is_finalized() ? Micros(e.finalized) : 0)
      .Int(7, absl::ToInt64Seconds(e.token_lifetime))
      .Text(8, e.last_status)
      .Int(9, e.attempt)
      .Int(10, Micros(e.next_check));
  return RunDone(db_, s, "track");
}

absl::Status SqliteExecutionTracker::MarkFinalized(absl::string_view id,
                                                   absl::Time finalized,
                                                   absl::Time next_check) {
  absl::MutexLock l(&mu_);
  Statement s(db_,
              "UPDATE tracked_executions SET finalized_us = ?2, attempt = 0, "
              "last_status = 'ACQUIRED', next_check_us = ?3 WHERE id = ?1");
  s.Text(1, id).Int(2, Micros(finalized)).Int(3, Micros(next_check));
  if (absl::Status st = RunDone(db_, s, "finalize"); !st.ok()) return st;
  if (sqlite3_changes(db_) == 0) {
    return absl::NotFoundError("workflow execution is not tracked");
  }
  return absl::OkStatus();
}

absl::Status SqliteExecutionTracker::Untrack(absl::string_view id) {
  absl::MutexLock l(&mu_);
  Statement s(db_, "DELETE FROM tracked_executions WHERE id = ?1");
  s.Text(1, id);
  return RunDone(db_, s, "untrack");
}

absl::StatusOr<std::vector<TrackedExecution>> SqliteExecutionTracker::ClaimDue(
    absl::Time now, absl::Duration lease, int limit) {
  absl::MutexLock l(&mu_);
  // One write transaction: another process on the same file (there should
  // be none, but a restart may overlap) cannot claim the same rows.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return Failed(db_, "claim");
  }
  std::vector<TrackedExecution> out;
  {
    Statement s(db_,
                "SELECT id, region, account_id, workflow_key, started_us, "
                "finalized_us, token_lifetime_s, last_status, attempt, "
                "next_check_us FROM tracked_executions WHERE next_check_us "
                "<= ?1 ORDER BY next_check_us LIMIT ?2");
    s.Int(1, Micros(now)).Int(2, limit);
    int rc = s.ok() ? SQLITE_ROW : SQLITE_ERROR;
    while (rc == SQLITE_ROW && (rc = s.Step()) == SQLITE_ROW) {
      TrackedExecution e;
      e.workflow_execution_id = s.ColumnText(0);
      e.region = s.ColumnText(1);
      e.account_id = s.ColumnText(2);
      e.workflow_key = s.ColumnInt(3);
      e.started = absl::FromUnixMicros(s.ColumnInt(4));
      const int64_t finalized = s.ColumnInt(5);
      e.finalized = finalized == 0 ? absl::InfinitePast()
                                   : absl::FromUnixMicros(finalized);
      e.token_lifetime = absl::Seconds(s.ColumnInt(6));
      e.last_status = s.ColumnText(7);
      e.attempt = static_cast<int>(s.ColumnInt(8));
      e.next_check = absl::FromUnixMicros(s.ColumnInt(9));
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Failed(db_, "claim");
    }
  }
  for (const TrackedExecution& e : out) {
    Statement s(db_,
                "UPDATE tracked_executions SET next_check_us = ?2 WHERE id = "
                "?1");
    s.Text(1, e.workflow_execution_id).Int(2, Micros(now + lease));
    if (!RunDone(db_, s, "claim").ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Failed(db_, "claim");
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Failed(db_, "claim");
  }
  return out;
}

absl::Status SqliteExecutionTracker::Reschedule(const TrackedExecution& e) {
  absl::MutexLock l(&mu_);
  Statement s(db_,
              "UPDATE tracked_executions SET finalized_us = ?2, last_status = "
              "?3, attempt = ?4, next_check_us = ?5 WHERE id = ?1");
  s.Text(1, e.workflow_execution_id)
      .Int(2, e.is_finalized() ? Micros(e.finalized) : 0)
      .Text(3, e.last_status)
      .Int(4, e.attempt)
      .Int(5, Micros(e.next_check));
  return RunDone(db_, s, "reschedule");
}

absl::StatusOr<TrackerCounts> SqliteExecutionTracker::Counts(
    absl::Time overdue_before) {
  absl::MutexLock l(&mu_);
  Statement s(db_,
              "SELECT COUNT(*), COALESCE(SUM(finalized_us > 0 AND "
              "finalized_us < ?1), 0) FROM tracked_executions");
  s.Int(1, Micros(overdue_before));
  if (!s.ok() || s.Step() != SQLITE_ROW) return Failed(db_, "count");
  return TrackerCounts{s.ColumnInt(0), s.ColumnInt(1)};
}

absl::StatusOr<std::vector<std::string>> SqliteExecutionTracker::UntrackAccount(
    absl::string_view account_id) {
  absl::MutexLock l(&mu_);
  std::vector<std::string> ids;
  {
    Statement s(db_, "SELECT id FROM tracked_executions WHERE account_id = ?1");
    if (!s.ok()) return Failed(db_, "untrack account");
    s.Text(1, account_id);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) ids.push_back(s.ColumnText(0));
    if (rc != SQLITE_DONE) return Failed(db_, "untrack account");
  }
  Statement s(db_, "DELETE FROM tracked_executions WHERE account_id = ?1");
  s.Text(1, account_id);
  if (absl::Status st = RunDone(db_, s, "untrack account"); !st.ok()) return st;
  return ids;
}

absl::StatusOr<int64_t> SqliteExecutionTracker::ApplyRetention(
    absl::Time started_before, int batch, int max_batches) {
  int64_t deleted = 0;
  for (int i = 0; i < max_batches; ++i) {
    absl::MutexLock l(&mu_);
    Statement s(db_,
                "DELETE FROM tracked_executions WHERE rowid IN (SELECT rowid "
                "FROM tracked_executions WHERE started_us < ?1 LIMIT ?2)");
    s.Int(1, Micros(started_before)).Int(2, batch);
    if (absl::Status st = RunDone(db_, s, "retention"); !st.ok()) return st;
    const int n = sqlite3_changes(db_);
    deleted += n;
    if (n < batch) break;
  }
  return deleted;
}

absl::StatusOr<OldestRecord> SqliteExecutionTracker::Oldest() {
  absl::MutexLock l(&mu_);
  Statement s(db_, "SELECT min(started_us) FROM tracked_executions");
  if (!s.ok() || s.Step() != SQLITE_ROW) return Failed(db_, "oldest");
  OldestRecord oldest;
  if (!s.IsNull(0)) oldest.written = absl::FromUnixMicros(s.ColumnInt(0));
  return oldest;
}

}  // namespace jumio_gateway::callbacks
