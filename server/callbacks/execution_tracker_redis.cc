#include "server/callbacks/execution_tracker_redis.h"

#include <hiredis/hiredis.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {
namespace {

// ARGV[1] is the key prefix ("<prefix>:"), the execution's hash is
// ARGV[1] .. "exec:" .. id.
constexpr char kTrackScript[] = R"lua(
local key = ARGV[1] .. 'exec:' .. ARGV[2]
redis.call('DEL', key)
redis.call('HSET', key, 'r', ARGV[3], 'a', ARGV[4], 'k', ARGV[5], 's', ARGV[6],
           'f', ARGV[7], 't', ARGV[8], 'st', ARGV[9], 'n', ARGV[10])
redis.call('ZADD', ARGV[1] .. 'exec-due', ARGV[11], ARGV[2])
redis.call('ZADD', ARGV[1] .. 'exec-started', ARGV[6], ARGV[2])
if tonumber(ARGV[7]) > 0 then
  redis.call('ZADD', ARGV[1] .. 'exec-finalized', ARGV[7], ARGV[2])
else
  redis.call('ZREM', ARGV[1] .. 'exec-finalized', ARGV[2])
end
return 1
)lua";

// Updates a tracked execution only: an execution untracked meanwhile (its
// callback came) is not brought back.
constexpr char kUpdateScript[] = R"lua(
local key = ARGV[1] .. 'exec:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'f', ARGV[3], 'st', ARGV[4], 'n', ARGV[5])
redis.call('ZADD', ARGV[1] .. 'exec-due', ARGV[6], ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', ARGV[1] .. 'exec-finalized', ARGV[3], ARGV[2])
end
return 1
)lua";

constexpr char kUntrackScript[] = R"lua(
redis.call('DEL', ARGV[1] .. 'exec:' .. ARGV[2])
redis.call('ZREM', ARGV[1] .. 'exec-due', ARGV[2])
redis.call('ZREM', ARGV[1] .. 'exec-finalized', ARGV[2])
redis.call('ZREM', ARGV[1] .. 'exec-started', ARGV[2])
return 1
)lua";

// Retention: at most ARGV[3] executions started before ARGV[2] (micros,
// exclusive), untracked in one step; returns how many.
constexpr char kRetentionScript[] = R"lua(
local started = ARGV[1] .. 'exec-started'
local ids = redis.call('ZRANGEBYSCORE', started, '-inf', '(' .. ARGV[2],
                       'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. 'exec:' .. id)
  redis.call('ZREM', ARGV[1] .. 'exec-due', id)
  redis.call('ZREM', ARGV[1] .. 'exec-finalized', id)
  redis.call('ZREM', started, id)
end
return #ids
)lua";

// Adds the executions tracked before exec-started existed to it: one ZSCAN
// step of exec-due from cursor ARGV[2] (COUNT ARGV[3]); each member missing
// from exec-started goes in with its hash's start time. Returns the next
// cursor; at "0" the walk is done and exec-started-complete is set, so that
// no later pass walks again.
constexpr char kMigrateStartedScript[] = R"lua(
local started = ARGV[1] .. 'exec-started'
local page = redis.call('ZSCAN', ARGV[1] .. 'exec-due', ARGV[2], 'COUNT',
                        tonumber(ARGV[3]))
local members = page[2]
for i = 1, #members, 2 do
  local id = members[i]
  if not redis.call('ZSCORE', started, id) then
    local s = redis.call('HGET', ARGV[1] .. 'exec:' .. id, 's')
    if s then redis.call('ZADD', started, s, id) end
  end
end
if page[1] == '0' then
  redis.call('SET', ARGV[1] .. 'exec-started-complete', '1')
end
return page[1]
)lua";

// Erasure: every tracked execution (all are in exec-due) whose account is
// ARGV[2], untracked in one step.
constexpr char kUntrackAccountScript[] = R"lua(
local out = {}
for _, id in ipairs(redis.call('ZRANGE', ARGV[1] .. 'exec-due', 0, -1)) do
  if redis.call('HGET', ARGV[1] .. 'exec:' .. id, 'a') == ARGV[2] then
    redis.call('DEL', ARGV[1] .. 'exec:' .. id)
    redis.call('ZREM', ARGV[1] .. 'exec-due', id)
    redis.call('ZREM', ARGV[1] .. 'exec-finalized', id)
    redis.call('ZREM', ARGV[1] .. 'exec-started', id)
    table.insert(out, id)
  end
end
return out
)lua";

// Hands out due executions and moves each one's due time to the end of the
// lease, in one step: two replicas never get the same execution.
constexpr char kClaimScript[] = R"lua(
local due = ARGV[1] .. 'exec-due'
local ids = redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[2], 'LIMIT', 0,
                       tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. 'exec:' .. id,
                       'r', 'a', 'k', 's', 'f', 't', 'st', 'n')
  if h[1] then
    redis.call('ZADD', due, ARGV[3], id)
    table.insert(out, id)
    for _, v in ipairs(h) do table.insert(out, v or '') end
  else
    redis.call('ZREM', due, id)
    redis.call('ZREM', ARGV[1] .. 'exec-started', id)
  end
end
return out
)lua";

constexpr int kClaimFields = 9;  // id and the 8 hash fields

absl::Status Unavailable(absl::string_view what) {
  absl::Status s =
      errors::Error(absl::StatusCode::kUnavailable,
                    ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
                    absl::StrCat("execution tracker (redis): ", what));
  errors::SetRetryDelay(s, absl::Seconds(1));
  return s;
}

std::string Str(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR) {
    return std::string(r->str, r->len);
  }
  if (r->type == REDIS_REPLY_INTEGER) return absl::StrCat(r->integer);
  return "";
}

int64_t Int(const redisReply* r) {
  if (r != nullptr && r->type == REDIS_REPLY_INTEGER) return r->integer;
  int64_t v = 0;
  return absl::SimpleAtoi(Str(r), &v) ? v : 0;
}

std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }
std::string Millis(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

}  // namespace

absl::StatusOr<std::unique_ptr<RedisExecutionTracker>>
RedisExecutionTracker::Open(const std::string& address,
                            const std::string& prefix) {
  std::unique_ptr<RedisExecutionTracker> t(
      new RedisExecutionTracker(address, absl::StrCat(prefix, ":")));
  absl::Status ping =
      t->Run({"PING"}, [](const redisReply*) { return absl::OkStatus(); });
  if (!ping.ok()) return ping;
  return t;
}

RedisExecutionTracker::~RedisExecutionTracker() {
  absl::MutexLock l(&mu_);
  if (context_ != nullptr) redisFree(context_);
}

absl::Status RedisExecutionTracker::Run(
    const std::vector<std::string>& args,
    const std::function<absl::Status(const redisReply*)>& use) {
  absl::MutexLock l(&mu_);
  if (context_ == nullptr) {
    const timeval tv = absl::ToTimeval(absl::Seconds(2));
    absl::string_view addr = address_;
    if (absl::ConsumePrefix(&addr, "unix:")) {
      context_ = redisConnectUnixWithTimeout(std::string(addr).c_str(), tv);
    } else {
      std::pair<std::string, std::string> hp =
          absl::StrSplit(addr, absl::MaxSplits(':', 1));
      int port = 6379;
      if (!hp.second.empty() && !absl::SimpleAtoi(hp.second, &port)) {
        return absl::InvalidArgumentError("callback_redis_address: bad port");
      }
      context_ = redisConnectWithTimeout(hp.first.c_str(), port, tv);
    }
    if (context_ == nullptr || context_->err != 0) {
      const std::string err =
          context_ != nullptr ? context_->errstr : "out of memory";
      if (context_ != nullptr) redisFree(context_);
      context_ = nullptr;
      return Unavailable(absl::StrCat("connect: ", err));
    }
    redisSetTimeout(context_, absl::ToTimeval(absl::Seconds(10)));
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      context_, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (reply == nullptr) {
    const std::string err = context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    return Unavailable(err);
  }
  absl::Status status =
      reply->type == REDIS_REPLY_ERROR ? Unavailable(Str(reply)) : use(reply);
  freeReplyObject(reply);
  return status;
}

absl::Status RedisExecutionTracker::Track(const TrackedExecution& e) {
  return Run({"EVAL", kTrackScript, "0", prefix_, e.workflow_execution_id,
              e.region, e.account_id, absl::StrCat(e.workflow_key),
              Micros(e.started), e.is_finalized() ? Micros(e.finalized) : "0",
              absl::StrCat(absl::ToInt64Seconds(e.token_lifetime)),
              e.last_status, absl::StrCat(e.attempt), Millis(e.next_check)},
             [](const redisReply*) { return absl::OkStatus(); });
}

absl::Status RedisExecutionTracker::MarkFinalized(absl::string_view id,
                                                  absl::Time finalized,
                                                  absl::Time next_check) {
  return Run({"EVAL", kUpdateScript, "0", prefix_, std::string(id),
              Micros(finalized), "ACQUIRED", "0", Millis(next_check)},
             [](const redisReply* r) {
               return Int(r) == 1 ? absl::OkStatus()
                                  : absl::NotFoundError(
                                        "workflow execution is not tracked");
             });
}

absl::Status RedisExecutionTracker::Untrack(absl::string_view id) {
  return Run({"EVAL", kUntrackScript, "0", prefix_, std::string(id)},
             [](const redisReply*) { return absl::OkStatus(); });
}

absl::StatusOr<std::vector<TrackedExecution>> RedisExecutionTracker::ClaimDue(
    absl::Time now, absl::Duration lease, int limit) {
  std::vector<TrackedExecution> out;
  absl::Status s = Run(
      {"EVAL", kClaimScript, "0", prefix_, Millis(now), Millis(now + lease),
       absl::StrCat(limit)},
      [&out](const redisReply* r) {
        if (r->type != REDIS_REPLY_ARRAY || r->elements % kClaimFields != 0) {
          return Unavailable("unexpected claim reply");
        }
        for (size_t i = 0; i < r->elements; i += kClaimFields) {
          redisReply* const* f = r->element + i;
          TrackedExecution e;
          e.workflow_execution_id = Str(f[0]);
          e.region = Str(f[1]);
          e.account_id = Str(f[2]);
          e.workflow_key = Int(f[3]);
          e.started = absl::FromUnixMicros(Int(f[4]));
          const int64_t finalized = Int(f[5]);
          e.finalized = finalized == 0 ? absl::InfinitePast()
                                       : absl::FromUnixMicros(finalized);
          e.token_lifetime = absl::Seconds(Int(f[6]));
          e.last_status = Str(f[7]);
          e.attempt = static_cast<int>(Int(f[8]));
          out.push_back(std::move(e));
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  for (TrackedExecution& e : out) e.next_check = now + lease;
  return out;
}

absl::Status RedisExecutionTracker::Reschedule(const TrackedExecution& e) {
  return Run({"EVAL", kUpdateScript, "0", prefix_, e.workflow_execution_id,
              e.is_finalized() ? Micros(e.finalized) : "0", e.last_status,
              absl::StrCat(e.attempt), Millis(e.next_check)},
             [](const redisReply*) { return absl::OkStatus(); });
}

absl::StatusOr<TrackerCounts> RedisExecutionTracker::Counts(
    absl::Time overdue_before) {
  TrackerCounts counts;
  absl::Status s =
      Run({"ZCARD", prefix_ + "exec-due"}, [&counts](const redisReply* r) {
        counts.tracked = Int(r);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  s = Run({"ZCOUNT", prefix_ + "exec-finalized", "-inf",
           absl::StrCat("(", absl::ToUnixMicros(overdue_before))},
          [&counts](const redisReply* r) {
            counts.overdue = Int(r);
            return absl::OkStatus();
          });
  if (!s.ok()) return s;
  return counts;
}

absl::StatusOr<std::vector<std::string>> RedisExecutionTracker::UntrackAccount(
    absl::string_view account_id) {
  std::vector<std::string> ids;
  absl::Status s = Run(
      {"EVAL", kUntrackAccountScript, "0", prefix_, std::string(account_id)},
      [&ids](const redisReply* r) {
        if (r->type != REDIS_REPLY_ARRAY) {
          return absl::UnavailableError("execution tracker (redis): reply");
        }
        for (size_t i = 0; i < r->elements; ++i) {
          ids.emplace_back(r->element[i]->str, r->element[i]->len);
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return ids;
}

absl::StatusOr<int64_t> RedisExecutionTracker::ApplyRetention(
    absl::Time started_before, int batch, int max_batches) {
  // First the walk that adds older executions to exec-started, bounded like
  // the sweep (a step's COUNT is a hint: Redis may return a few more).
  {
    absl::MutexLock l(&migrate_mu_);
    bool complete = false;
    absl::Status s = Run({"EXISTS", prefix_ + "exec-started-complete"},
                         [&complete](const redisReply* r) {
                           complete = Int(r) == 1;
                           return absl::OkStatus();
                         });
    if (!s.ok()) return s;
    for (int i = 0; i < max_batches && !complete; ++i) {
      s = Run({"EVAL", kMigrateStartedScript, "0", prefix_, migrate_cursor_,
               absl::StrCat(batch)},
              [this](const redisReply* r)
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(migrate_mu_) {
                    migrate_cursor_ = Str(r);
                    return absl::OkStatus();
                  });
      if (!s.ok()) return s;
      complete = migrate_cursor_ == "0";
    }
  }
  int64_t deleted = 0;
  for (int i = 0; i < max_batches; ++i) {
    int64_t n = 0;
    absl::Status s = Run({"EVAL", kRetentionScript, "0", prefix_,
                          Micros(started_before), absl::StrCat(batch)},
                         [&n](const redisReply* r) {
                           n = Int(r);
                           return absl::OkStatus();
                         });
    if (!s.ok()) return s;
    deleted += n;
    if (n < batch) break;
  }
  return deleted;
}

absl::StatusOr<OldestRecord> RedisExecutionTracker::Oldest() {
  OldestRecord oldest;
  absl::Status s =
      Run({"ZRANGE", prefix_ + "exec-started", "0", "0", "WITHSCORES"},
          [&oldest](const redisReply* r) {
            if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
              oldest.written = absl::FromUnixMicros(Int(r->element[1]));
            }
            return absl::OkStatus();
          });
  if (!s.ok()) return s;
  return oldest;
}

}  // namespace jumio_gateway::callbacks
