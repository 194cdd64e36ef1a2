#include "server/callbacks/sqlite_log.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {

namespace {

using ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE;
using ::jumio::gateway::v1::ERROR_REASON_CURSOR_EXPIRED;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS callbacks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  dedup_key TEXT NOT NULL UNIQUE,
  receive_us INTEGER NOT NULL,
  data BLOB NOT NULL,
  enrichment BLOB
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  last_active_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
  name TEXT NOT NULL,
  seq INTEGER NOT NULL,
  consumer TEXT NOT NULL,
  deadline_us INTEGER NOT NULL,
  PRIMARY KEY (name, seq)
);
CREATE TABLE IF NOT EXISTS erasure_intents (
  key TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  account_id TEXT NOT NULL,
  workflow_execution_id TEXT NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bindings (
  nonce TEXT PRIMARY KEY,
  region INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_seq ON pending (seq);
CREATE INDEX IF NOT EXISTS subscriptions_idle ON subscriptions (last_active_us);
CREATE INDEX IF NOT EXISTS bindings_created ON bindings (created_us);
)sql";

absl::Status Unavailable(sqlite3* db, absl::string_view what) {
  absl::Status s = errors::Error(
      absl::StatusCode::kUnavailable, ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
      absl::StrCat("callback log (sqlite) ", what, ": ",
                   db != nullptr ? sqlite3_errmsg(db) : "no database"));
  errors::SetRetryDelay(s, absl::Seconds(1));
  return s;
}

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, absl::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  std::string Text(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return Unavailable(db, "exec");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseCursor(absl::string_view cursor,
                                    absl::string_view field) {
  if (cursor.empty()) return 0;
  int64_t v = 0;
  if (!absl::SimpleAtoi(cursor, &v) || v < 0) {
    return errors::InvalidField(field, "not a cursor of this gateway");
  }
  return v;
}

// Decodes a row's data and enrichment columns into a Callback with its
// cursor, or into the UnreadableCallback that stands for it.
bool Decode(int64_t seq, const std::string& data, const std::string* enrichment,
            int64_t receive_us, v1::Callback* cb,
            v1::UnreadableCallback* unreadable) {
  std::string reason;
  if (!DecodeStoredCallback(data, cb, &reason)) {
    unreadable->set_cursor(absl::StrCat(seq));
    *unreadable->mutable_receive_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(receive_us);
    unreadable->set_reason(reason);
    return false;
  }
  cb->set_cursor(absl::StrCat(seq));
  if (enrichment != nullptr &&
      !cb->mutable_enrichment()->ParseFromString(*enrichment)) {
    // The enrichment is optional: a callback without it is still whole.
    cb->clear_enrichment();
  }
  return true;
}

// Adds one decoded row to `batch`, in log order.
void AddRow(int64_t seq, const std::string& data, const std::string* enrichment,
            int64_t receive_us, const Filter& filter, Batch* batch) {
  v1::Callback cb;
  UnreadableEntry entry;
  if (!Decode(seq, data, enrichment, receive_us, &cb, &entry.entry)) {
    if (filter.Matches(entry.entry)) {
      entry.position = batch->callbacks.size();
      batch->unreadable.push_back(std::move(entry));
    }
    return;
  }
  if (filter.Matches(cb)) batch->callbacks.push_back(std::move(cb));
}

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::StatusOr<int64_t> Floor(sqlite3* db) {
  Stmt s(db, "SELECT value FROM meta WHERE key = 'floor'");
  if (!s.ok()) return Unavailable(db, "prepare");
  const int rc = s.Step();
  if (rc == SQLITE_ROW) return s.Int(0);
  if (rc == SQLITE_DONE) return 0;
  return Unavailable(db, "read floor");
}

absl::Status CursorExpired(int64_t floor) {
  return errors::Error(absl::StatusCode::kOutOfRange,
                       ERROR_REASON_CURSOR_EXPIRED,
                       "cursor points before the retained callback log",
                       {{"oldestCursor", absl::StrCat(floor + 1)}});
}

absl::Status SubscriptionNotFound(absl::string_view name) {
  return errors::Error(absl::StatusCode::kNotFound,
                       ::jumio::gateway::v1::ERROR_REASON_NOT_FOUND,
                       absl::StrCat("subscription ", name, " does not exist"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteCallbackLog>> SqliteCallbackLog::Open(
    Options options) {
  std::unique_ptr<SqliteCallbackLog> log(
      new SqliteCallbackLog(std::move(options)));
  absl::Status s = log->Init();
  if (!s.ok()) return s;
  return log;
}

absl::Status SqliteCallbackLog::Init() {
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(options_.path.c_str(), &writer_db_, flags, nullptr) !=
      SQLITE_OK) {
    return Unavailable(writer_db_, "open");
  }
  sqlite3_busy_timeout(writer_db_, 5000);
  // WAL: readers never block the writer. synchronous=FULL: the WAL is fsync'd
  // at every commit, which is what lets the receiver answer 200.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "PRAGMA secure_delete=ON", kSchema}) {
    absl::Status s = Exec(writer_db_, sql);
    if (!s.ok()) return s;
  }
  {
    absl::MutexLock l(&reader_mu_);
    if (sqlite3_open_v2(options_.path.c_str(), &reader_db_, flags, nullptr) !=
        SQLITE_OK) {
      return Unavailable(reader_db_, "open reader");
    }
    sqlite3_busy_timeout(reader_db_, 5000);
  }
  {
    Stmt s(writer_db_,
           "SELECT seq FROM sqlite_sequence WHERE name = 'callbacks'");
    if (s.ok() && s.Step() == SQLITE_ROW) {
      absl::MutexLock l(&head_mu_);
      head_ = s.Int(0);
    }
  }
  writer_ = std::thread([this] { WriterLoop(); });
  return absl::OkStatus();
}

SqliteCallbackLog::~SqliteCallbackLog() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  sqlite3_close_v2(writer_db_);
  absl::MutexLock l(&reader_mu_);
  sqlite3_close_v2(reader_db_);
}

absl::Status SqliteCallbackLog::Write(Job job) {
  PendingWrite w;
  w.job = std::move(job);
  absl::MutexLock l(&mu_);
  if (stopping_) return Unavailable(nullptr, "closing");
  queue_.push_back(&w);
  mu_.Await(absl::Condition(&w.done));
  return w.result;
}

void SqliteCallbackLog::WriterLoop() {
  std::vector<PendingWrite*> batch;
  while (true) {
    batch.clear();
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](SqliteCallbackLog* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
               self->mu_) { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() &&
             static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    absl::Status tx = Exec(writer_db_, "BEGIN IMMEDIATE");
    if (tx.ok()) {
      for (PendingWrite* w : batch) {
        // A savepoint per write: one failing write must not undo the others
        // of its batch.
        Exec(writer_db_, "SAVEPOINT w").IgnoreError();
        w->result = w->job(writer_db_);
        if (!w->result.ok()) Exec(writer_db_, "ROLLBACK TO w").IgnoreError();
        Exec(writer_db_, "RELEASE w").IgnoreError();
      }
      tx = Exec(writer_db_, "COMMIT");
      if (!tx.ok()) Exec(writer_db_, "ROLLBACK").IgnoreError();
    }
    if (tx.ok() && checkpoint_wanted_.exchange(false)) {
      // An erasure committed: copy the zeroed pages into the database and
      // empty the WAL, whose older frames still hold the erased bytes. The
      // reader lock keeps this process's reader from pinning a snapshot.
      absl::MutexLock rl(&reader_mu_);
      Exec(writer_db_, "PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
    }
    commits_.fetch_add(1);
    writes_.fetch_add(static_cast<int64_t>(batch.size()));
    int64_t head = 0;
    {
      Stmt s(writer_db_,
             "SELECT seq FROM sqlite_sequence WHERE name = 'callbacks'");
      if (s.ok() && s.Step() == SQLITE_ROW) head = s.Int(0);
    }
    {
      absl::MutexLock l(&head_mu_);
      if (head > head_) head_ = head;
    }
    absl::MutexLock l(&mu_);
    for (PendingWrite* w : batch) {
      if (!tx.ok()) w->result = tx;
      w->done = true;
    }
  }
}

int64_t SqliteCallbackLog::Head() {
  absl::MutexLock l(&head_mu_);
  return head_;
}

absl::StatusOr<AppendResult> SqliteCallbackLog::Append(
    const v1::Callback& callback, absl::string_view dedup_key) {
  v1::Callback copy = callback;
  copy.clear_cursor();
  copy.clear_enrichment();
  const std::string data = copy.SerializeAsString();
  const int64_t receive_us =
      callback.has_receive_time()
          ? google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                callback.receive_time())
          : Micros(options_.clock->Now());
  AppendResult result;
  absl::Status s = Write([&](sqlite3* db) -> absl::Status {
    Stmt ins(db,
             "INSERT OR IGNORE INTO callbacks (dedup_key, receive_us, data) "
             "VALUES (?, ?, ?)");
    if (!ins.ok()) return Unavailable(db, "prepare");
    ins.Bind(1, dedup_key).Bind(2, receive_us).BindBlob(3, data);
    if (ins.Step() != SQLITE_DONE) return Unavailable(db, "insert");
    if (sqlite3_changes(db) == 1) {
      result.cursor = absl::StrCat(sqlite3_last_insert_rowid(db));
      return absl::OkStatus();
    }
    Stmt sel(db, "SELECT seq FROM callbacks WHERE dedup_key = ?");
    if (!sel.ok()) return Unavailable(db, "prepare");
    sel.Bind(1, dedup_key);
    if (sel.Step() != SQLITE_ROW) return Unavailable(db, "dedup lookup");
    result.cursor = absl::StrCat(sel.Int(0));
    result.duplicate = true;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return result;
}

absl::StatusOr<ReadResult> SqliteCallbackLog::Read(absl::string_view after,
                                                   int scan_limit,
                                                   const Filter& filter) {
  absl::StatusOr<int64_t> after_seq = ParseCursor(after, "after_cursor");
  if (!after_seq.ok()) return after_seq.status();
  absl::MutexLock l(&reader_mu_);
  if (!after.empty()) {
    absl::StatusOr<int64_t> floor = Floor(reader_db_);
    if (!floor.ok()) return floor.status();
    if (*after_seq < *floor) return CursorExpired(*floor);
  }
  Stmt s(
      reader_db_,
      "SELECT seq, data, enrichment, receive_us FROM callbacks WHERE seq > ? "
      "ORDER BY seq LIMIT ?");
  if (!s.ok()) return Unavailable(reader_db_, "prepare");
  s.Bind(1, *after_seq).Bind(2, static_cast<int64_t>(scan_limit));
  ReadResult result;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    const int64_t seq = s.Int(0);
    result.scanned_cursor = absl::StrCat(seq);
    ++result.scanned;
    std::string enrichment;
    const bool has_enrichment = !s.IsNull(2);
    if (has_enrichment) enrichment = s.Text(2);
    // A bad row never blocks the feed, and is never skipped silently.
    AddRow(seq, s.Text(1), has_enrichment ? &enrichment : nullptr, s.Int(3),
           filter, &result);
  }
  if (rc != SQLITE_DONE) return Unavailable(reader_db_, "read");
  return result;
}

absl::StatusOr<std::string> SqliteCallbackLog::HeadCursor() {
  const int64_t head = Head();
  return head == 0 ? std::string() : absl::StrCat(head);
}

absl::StatusOr<std::string> SqliteCallbackLog::WaitForNewer(
    absl::string_view after, absl::Duration timeout) {
  absl::StatusOr<int64_t> after_seq = ParseCursor(after, "cursor");
  if (!after_seq.ok()) return after_seq.status();
  const int64_t a = *after_seq;
  absl::MutexLock l(&head_mu_);
  auto newer = [this, a]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(head_mu_) {
    return head_ > a;
  };
  head_mu_.AwaitWithTimeout(absl::Condition(&newer), timeout);
  return head_ == 0 ? std::string() : absl::StrCat(head_);
}

absl::Status SqliteCallbackLog::AttachEnrichment(
    absl::string_view cursor, const v1::CallbackEnrichment& enrichment) {
  absl::StatusOr<int64_t> seq = ParseCursor(cursor, "cursor");
  if (!seq.ok()) return seq.status();
  const std::string data = enrichment.SerializeAsString();
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt s(db, "UPDATE callbacks SET enrichment = ? WHERE seq = ?");
    if (!s.ok()) return Unavailable(db, "prepare");
    s.BindBlob(1, data).Bind(2, *seq);
    if (s.Step() != SQLITE_DONE) return Unavailable(db, "update");
    return absl::OkStatus();
  });
}

absl::Status SqliteCallbackLog::EnsureSubscription(
    absl::string_view name, absl::string_view start_after) {
  absl::StatusOr<int64_t> start = ParseCursor(start_after, "after_cursor");
  if (!start.ok()) return start.status();
  const int64_t now = Micros(options_.clock->Now());
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt touch(db,
               "UPDATE subscriptions SET last_active_us = ? WHERE name = ?");
    if (!touch.ok()) return Unavailable(db, "prepare");
    touch.Bind(1, now).Bind(2, name);
    if (touch.Step() != SQLITE_DONE) return Unavailable(db, "update");
    if (sqlite3_changes(db) == 1) return absl::OkStatus();
    if (!start_after.empty()) {
      absl::StatusOr<int64_t> floor = Floor(db);
      if (!floor.ok()) return floor.status();
      if (*start < *floor) return CursorExpired(*floor);
    }
    Stmt ins(db,
             "INSERT INTO subscriptions (name, position, last_active_us) "
             "VALUES (?, ?, ?)");
    if (!ins.ok()) return Unavailable(db, "prepare");
    ins.Bind(1, name).Bind(2, *start).Bind(3, now);
    if (ins.Step() != SQLITE_DONE) return Unavailable(db, "insert");
    return absl::OkStatus();
  });
}

absl::StatusOr<Batch> SqliteCallbackLog::Claim(absl::string_view name,
                                               absl::string_view consumer,
                                               int max_outstanding,
                                               absl::Duration ack_deadline,
                                               const Filter& filter) {
  const int64_t now = Micros(options_.clock->Now());
  const int64_t deadline = now + absl::ToInt64Microseconds(ack_deadline);
  Batch out;
  absl::Status s = Write([&](sqlite3* db) -> absl::Status {
    out = Batch();
    Stmt sub(db, "SELECT position FROM subscriptions WHERE name = ?");
    if (!sub.ok()) return Unavailable(db, "prepare");
    sub.Bind(1, name);
    const int rc = sub.Step();
    if (rc == SQLITE_DONE) return SubscriptionNotFound(name);
    if (rc != SQLITE_ROW) return Unavailable(db, "read subscription");
    int64_t position = sub.Int(0);

    Stmt count(db,
               "SELECT count(*) FROM pending WHERE name = ? AND consumer = ? "
               "AND deadline_us > ?");
    if (!count.ok()) return Unavailable(db, "prepare");
    count.Bind(1, name).Bind(2, consumer).Bind(3, now);
    if (count.Step() != SQLITE_ROW) return Unavailable(db, "count");
    int64_t room = max_outstanding - count.Int(0);
    if (room <= 0) return absl::OkStatus();

    Stmt load(db,
              "SELECT data, enrichment, receive_us FROM callbacks WHERE seq = "
              "?");
    Stmt take(db,
              "UPDATE pending SET consumer = ?, deadline_us = ? "
              "WHERE name = ? AND seq = ?");
    Stmt drop(db, "DELETE FROM pending WHERE name = ? AND seq = ?");
    if (!load.ok() || !take.ok() || !drop.ok()) {
      return Unavailable(db, "prepare");
    }
    // Redeliveries first: they are the oldest unfinished work.
    std::vector<int64_t> expired;
    {
      Stmt exp(db,
               "SELECT seq FROM pending WHERE name = ? AND deadline_us <= ? "
               "ORDER BY seq LIMIT ?");
      if (!exp.ok()) return Unavailable(db, "prepare");
      exp.Bind(1, name).Bind(2, now).Bind(3, room);
      while (exp.Step() == SQLITE_ROW) expired.push_back(exp.Int(0));
    }
    for (int64_t seq : expired) {
      load.Reset();
      load.Bind(1, seq);
      if (load.Step() != SQLITE_ROW) {
        // Dropped by retention meanwhile.
        drop.Reset();
        drop.Bind(1, name).Bind(2, seq);
        drop.Step();
        continue;
      }
      std::string enrichment;
      const bool has = !load.IsNull(1);
      if (has) enrichment = load.Text(1);
      take.Reset();
      take.Bind(1, consumer).Bind(2, deadline).Bind(3, name).Bind(4, seq);
      if (take.Step() != SQLITE_DONE) return Unavailable(db, "claim");
      // Pending entries were delivered before: redeliver unreadable ones
      // too, until acknowledged.
      AddRow(seq, load.Text(0), has ? &enrichment : nullptr, load.Int(2),
             Filter(), &out);
      --room;
    }
    if (room > 0) {
      Stmt next(db,
                "SELECT seq, data, enrichment, receive_us FROM callbacks "
                "WHERE seq > ? ORDER BY seq LIMIT ?");
      Stmt add(db,
               "INSERT OR REPLACE INTO pending (name, seq, consumer, "
               "deadline_us) VALUES (?, ?, ?, ?)");
      if (!next.ok() || !add.ok()) return Unavailable(db, "prepare");
      next.Bind(1, position).Bind(2, std::max<int64_t>(room * 4, 256));
      while (room > 0 && next.Step() == SQLITE_ROW) {
        const int64_t seq = next.Int(0);
        position = seq;
        std::string enrichment;
        const bool has = !next.IsNull(2);
        if (has) enrichment = next.Text(2);
        // Non-matching callbacks count as acknowledged for this group;
        // unreadable entries are delivered whatever the filter.
        const size_t before = out.callbacks.size() + out.unreadable.size();
        AddRow(seq, next.Text(1), has ? &enrichment : nullptr, next.Int(3),
               filter, &out);
        if (out.callbacks.size() + out.unreadable.size() == before) continue;
        add.Reset();
        add.Bind(1, name).Bind(2, seq).Bind(3, consumer).Bind(4, deadline);
        if (add.Step() != SQLITE_DONE) return Unavailable(db, "pending");
        --room;
      }
    }
    Stmt upd(db,
             "UPDATE subscriptions SET position = ?, last_active_us = ? "
             "WHERE name = ?");
    if (!upd.ok()) return Unavailable(db, "prepare");
    upd.Bind(1, position).Bind(2, now).Bind(3, name);
    if (upd.Step() != SQLITE_DONE) return Unavailable(db, "update");
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status SqliteCallbackLog::Acknowledge(
    absl::string_view name, const std::vector<std::string>& cursors) {
  std::vector<int64_t> seqs;
  for (const std::string& c : cursors) {
    int64_t v = 0;
    if (absl::SimpleAtoi(c, &v)) seqs.push_back(v);  // others: unknown, fine
  }
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt sub(db, "SELECT 1 FROM subscriptions WHERE name = ?");
    if (!sub.ok()) return Unavailable(db, "prepare");
    sub.Bind(1, name);
    const int rc = sub.Step();
    if (rc == SQLITE_DONE) return SubscriptionNotFound(name);
    if (rc != SQLITE_ROW) return Unavailable(db, "read subscription");
    Stmt del(db, "DELETE FROM pending WHERE name = ? AND seq = ?");
    if (!del.ok()) return Unavailable(db, "prepare");
    for (int64_t seq : seqs) {
      del.Reset();
      del.Bind(1, name).Bind(2, seq);
      if (del.Step() != SQLITE_DONE) return Unavailable(db, "ack");
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteCallbackLog::PutBinding(absl::string_view nonce,
                                           const Binding& binding) {
  const int64_t now = Micros(options_.clock->Now());
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt sel(db, "SELECT region, account_id FROM bindings WHERE nonce = ?");
    if (!sel.ok()) return Unavailable(db, "prepare");
    sel.Bind(1, nonce);
    if (sel.Step() == SQLITE_ROW) {
      if (sel.Int(0) == binding.region && sel.Text(1) == binding.account_id) {
        return absl::OkStatus();
      }
      return absl::FailedPreconditionError(
          "callback token already bound to another account");
    }
    Stmt ins(db,
             "INSERT INTO bindings (nonce, region, account_id, created_us) "
             "VALUES (?, ?, ?, ?)");
    if (!ins.ok()) return Unavailable(db, "prepare");
    ins.Bind(1, nonce)
        .Bind(2, static_cast<int64_t>(binding.region))
        .Bind(3, binding.account_id)
        .Bind(4, now);
    if (ins.Step() != SQLITE_DONE) return Unavailable(db, "insert binding");
    return absl::OkStatus();
  });
}

absl::StatusOr<absl::optional<Binding>> SqliteCallbackLog::GetBinding(
    absl::string_view nonce) {
  absl::MutexLock l(&reader_mu_);
  Stmt sel(reader_db_,
           "SELECT region, account_id FROM bindings WHERE nonce = ?");
  if (!sel.ok()) return Unavailable(reader_db_, "prepare");
  sel.Bind(1, nonce);
  const int rc = sel.Step();
  if (rc == SQLITE_DONE) return absl::optional<Binding>();
  if (rc != SQLITE_ROW) return Unavailable(reader_db_, "read binding");
  Binding b;
  b.region = static_cast<v1::Region>(sel.Int(0));
  b.account_id = sel.Text(1);
  return absl::optional<Binding>(std::move(b));
}

absl::StatusOr<RetentionResult> SqliteCallbackLog::ApplyRetention(
    absl::Duration retention, absl::Duration binding_retention,
    const RetentionLimits& limits) {
  const int64_t now = Micros(options_.clock->Now());
  const int64_t cutoff = now - absl::ToInt64Microseconds(retention);
  const int64_t binding_cutoff =
      now - absl::ToInt64Microseconds(binding_retention);
  RetentionResult result;
  // Callbacks: each batch is the log's first `batch` rows in seq order (the
  // rowid: no scan), dropped up to the last expired one among them, so the
  // dropped part is always a prefix and "before the floor" stays exactly
  // "expired" even if the clock stepped back once. A batch that ends on an
  // unexpired row is the last one.
  for (int i = 0; i < limits.max_batches; ++i) {
    bool more = false;
    absl::Status s = Write([&](sqlite3* db) -> absl::Status {
      more = false;
      Stmt head(db,
                "SELECT seq, receive_us FROM callbacks ORDER BY seq LIMIT ?");
      if (!head.ok()) return Unavailable(db, "prepare");
      head.Bind(1, static_cast<int64_t>(limits.batch));
      int64_t floor = -1;
      int64_t rows = 0;
      bool last_expired = false;
      int rc;
      while ((rc = head.Step()) == SQLITE_ROW) {
        ++rows;
        last_expired = head.Int(1) < cutoff;
        if (last_expired) floor = head.Int(0);
      }
      if (rc != SQLITE_DONE) return Unavailable(db, "retention");
      if (floor < 0) return absl::OkStatus();
      Stmt del(db, "DELETE FROM callbacks WHERE seq <= ?");
      Stmt delp(db, "DELETE FROM pending WHERE seq <= ?");
      Stmt meta(db,
                "INSERT OR REPLACE INTO meta (key, value) VALUES "
                "('floor', ?)");
      if (!del.ok() || !delp.ok() || !meta.ok()) {
        return Unavailable(db, "prepare");
      }
      del.Bind(1, floor);
      delp.Bind(1, floor);
      meta.Bind(1, floor);
      if (del.Step() != SQLITE_DONE) return Unavailable(db, "retention");
      const int64_t dropped = sqlite3_changes(db);
      if (delp.Step() != SQLITE_DONE || meta.Step() != SQLITE_DONE) {
        return Unavailable(db, "retention");
      }
      result.callbacks += dropped;
      // Expired personal data must leave the WAL too, as for an erasure.
      checkpoint_wanted_.store(true);
      more = last_expired && rows == limits.batch;
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    if (!more) break;
  }
  // Subscriptions idle for the retention window, with their pending rows.
  for (int i = 0; i < limits.max_batches; ++i) {
    int64_t n = 0;
    absl::Status s = Write([&](sqlite3* db) -> absl::Status {
      n = 0;
      Stmt idle(db,
                "SELECT name FROM subscriptions WHERE last_active_us < ? "
                "LIMIT ?");
      Stmt delp(db, "DELETE FROM pending WHERE name = ?");
      Stmt dels(db, "DELETE FROM subscriptions WHERE name = ?");
      if (!idle.ok() || !delp.ok() || !dels.ok()) {
        return Unavailable(db, "prepare");
      }
      idle.Bind(1, cutoff).Bind(2, static_cast<int64_t>(limits.batch));
      std::vector<std::string> names;
      int rc;
      while ((rc = idle.Step()) == SQLITE_ROW) names.push_back(idle.Text(0));
      if (rc != SQLITE_DONE) return Unavailable(db, "retention");
      for (const std::string& name : names) {
        delp.Reset();
        dels.Reset();
        delp.Bind(1, name);
        dels.Bind(1, name);
        if (delp.Step() != SQLITE_DONE || dels.Step() != SQLITE_DONE) {
          return Unavailable(db, "retention");
        }
      }
      n = static_cast<int64_t>(names.size());
      if (n > 0) checkpoint_wanted_.store(true);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    result.subscriptions += n;
    if (n < limits.batch) break;
  }
  // Token bindings older than their own window.
  for (int i = 0; i < limits.max_batches; ++i) {
    int64_t n = 0;
    absl::Status s = Write([&](sqlite3* db) -> absl::Status {
      Stmt del(db,
               "DELETE FROM bindings WHERE nonce IN (SELECT nonce FROM "
               "bindings WHERE created_us < ? ORDER BY created_us LIMIT ?)");
      if (!del.ok()) return Unavailable(db, "prepare");
      del.Bind(1, binding_cutoff).Bind(2, static_cast<int64_t>(limits.batch));
      if (del.Step() != SQLITE_DONE) return Unavailable(db, "retention");
      n = sqlite3_changes(db);
      if (n > 0) checkpoint_wanted_.store(true);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    result.bindings += n;
    if (n < limits.batch) break;
  }
  return result;
}

absl::StatusOr<OldestRecord> SqliteCallbackLog::Oldest(RecordKind kind) {
  const char* sql = nullptr;
  switch (kind) {
    case RecordKind::kCallbacks:
      // The first in log order is the one the sweep drops next.
      sql = "SELECT receive_us FROM callbacks ORDER BY seq LIMIT 1";
      break;
    case RecordKind::kBindings:
      sql = "SELECT min(created_us) FROM bindings";
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("the callback log keeps no ", RecordKindName(kind)));
  }
  absl::MutexLock l(&reader_mu_);
  Stmt sel(reader_db_, sql);
  if (!sel.ok()) return Unavailable(reader_db_, "prepare");
  const int rc = sel.Step();
  OldestRecord oldest;
  if (rc == SQLITE_ROW && !sel.IsNull(0)) {
    oldest.written = absl::FromUnixMicros(sel.Int(0));
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return Unavailable(reader_db_, "oldest");
  }
  return oldest;
}

absl::StatusOr<std::vector<std::string>> SqliteCallbackLog::Erase(
    absl::string_view account_id, absl::string_view workflow_execution_id) {
  std::vector<std::string> erased;
  absl::Status s = Write([&](sqlite3* db) -> absl::Status {
    erased.clear();
    // The account is inside the stored protobuf, not a column: every row is
    // decoded once (the log holds the retention window only).
    std::vector<int64_t> seqs;
    {
      Stmt all(db, "SELECT seq, data FROM callbacks ORDER BY seq");
      if (!all.ok()) return Unavailable(db, "prepare");
      int rc;
      while ((rc = all.Step()) == SQLITE_ROW) {
        v1::Callback cb;
        std::string reason;
        if (!DecodeStoredCallback(all.Text(1), &cb, &reason)) continue;
        if (!IsErasable(cb, account_id, workflow_execution_id)) continue;
        seqs.push_back(all.Int(0));
        const std::string& id = cb.workflow_execution().id();
        if (std::find(erased.begin(), erased.end(), id) == erased.end()) {
          erased.push_back(id);
        }
      }
      if (rc != SQLITE_DONE) return Unavailable(db, "erase scan");
    }
    Stmt del(db, "DELETE FROM callbacks WHERE seq = ?");
    Stmt delp(db, "DELETE FROM pending WHERE seq = ?");
    if (!del.ok() || !delp.ok()) return Unavailable(db, "prepare");
    for (int64_t seq : seqs) {
      del.Reset();
      delp.Reset();
      del.Bind(1, seq);
      delp.Bind(1, seq);
      if (del.Step() != SQLITE_DONE || delp.Step() != SQLITE_DONE) {
        return Unavailable(db, "erase");
      }
    }
    if (workflow_execution_id.empty()) {
      Stmt bind(db, "DELETE FROM bindings WHERE account_id = ?");
      if (!bind.ok()) return Unavailable(db, "prepare");
      bind.Bind(1, account_id);
      if (bind.Step() != SQLITE_DONE) return Unavailable(db, "erase bindings");
    }
    checkpoint_wanted_.store(true);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return erased;
}

absl::Status SqliteCallbackLog::PutErasureIntent(const ErasureIntent& intent) {
  const int64_t now = Micros(options_.clock->Now());
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt s(db,
           "INSERT OR IGNORE INTO erasure_intents (key, region, account_id, "
           "workflow_execution_id, created_us) VALUES (?, ?, ?, ?, ?)");
    if (!s.ok()) return Unavailable(db, "prepare");
    s.Bind(1, intent.Key())
        .Bind(2, intent.region)
        .Bind(3, intent.account_id)
        .Bind(4, intent.workflow_execution_id)
        .Bind(5, now);
    if (s.Step() != SQLITE_DONE) return Unavailable(db, "erasure intent");
    return absl::OkStatus();
  });
}

absl::Status SqliteCallbackLog::DeleteErasureIntent(
    const ErasureIntent& intent) {
  return Write([&](sqlite3* db) -> absl::Status {
    Stmt s(db, "DELETE FROM erasure_intents WHERE key = ?");
    if (!s.ok()) return Unavailable(db, "prepare");
    s.Bind(1, intent.Key());
    if (s.Step() != SQLITE_DONE) return Unavailable(db, "erasure intent");
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ErasureIntent>> SqliteCallbackLog::ErasureIntents(
    int limit) {
  absl::MutexLock l(&reader_mu_);
  Stmt s(reader_db_,
         "SELECT region, account_id, workflow_execution_id FROM "
         "erasure_intents ORDER BY created_us LIMIT ?");
  if (!s.ok()) return Unavailable(reader_db_, "prepare");
  s.Bind(1, static_cast<int64_t>(limit));
  std::vector<ErasureIntent> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), s.Text(2)});
  }
  if (rc != SQLITE_DONE) return Unavailable(reader_db_, "erasure intents");
  return out;
}

}  // namespace jumio_gateway::callbacks
