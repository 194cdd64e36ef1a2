#include "server/callbacks/redis_log.h"

#include <google/protobuf/util/time_util.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {

struct RedisCallbackLog::Reply {
  explicit Reply(redisReply* reply) : r(reply) {}
  ~Reply() { freeReplyObject(r); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  redisReply* r;
};

namespace {

using ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE;
using ::jumio::gateway::v1::ERROR_REASON_CURSOR_EXPIRED;

// Dedup and append in one atomic step: concurrent duplicates from several
// replicas still store one entry. The content lives in its own key
// "<prefix>:cb:<entry id>" and the stream entry holds the field c=1 only:
// XDEL merely flags an entry inside the stream's listpack, and DUMP of the
// stream still holds its bytes, so erasure (DEL of the key) would not erase.
// Entries of older gateways carry the content in their field d.
constexpr char kAppendScript[] = R"lua(
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 1} end
local id = redis.call('XADD', KEYS[1], '*', 'c', '1')
redis.call('SET', ARGV[3] .. id, ARGV[1], 'EX', ARGV[4])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
return {id, 0}
)lua";

constexpr char kAttachEnrichmentScript[] = R"lua(
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1
)lua";

// How long a callback's content key outlives its retention at most, should
// no retention sweep run (a sweep deletes it with the entry).
constexpr absl::Duration kContentGrace = absl::Hours(1);

// One round trip per pull: the retention floor, the entries after the
// cursor, and their enrichments. A busy Redis with appendfsync always
// answers once per fsync cycle, so round trips are what delivery latency is
// made of.
constexpr char kReadScript[] = R"lua(
local floor = redis.call('GET', KEYS[2])
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local enrich = {}
for i, e in ipairs(entries) do
  enrich[i] = redis.call('GET', ARGV[3] .. e[1])
end
return {floor, entries, enrich}
)lua";

absl::Status Unavailable(absl::string_view what) {
  absl::Status s = errors::Error(absl::StatusCode::kUnavailable,
                                 ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
                                 absl::StrCat("callback log (redis): ", what));
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

// Stream ids "ms-seq", compared numerically.
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  bool operator<(const StreamId& o) const {
    return ms < o.ms || (ms == o.ms && seq < o.seq);
  }
};

bool ParseStreamId(absl::string_view s, StreamId* id) {
  std::pair<absl::string_view, absl::string_view> p =
      absl::StrSplit(s, absl::MaxSplits('-', 1));
  return absl::SimpleAtoi(p.first, &id->ms) &&
         absl::SimpleAtoi(p.second, &id->seq);
}

absl::Status CursorExpired(absl::string_view floor) {
  return errors::Error(absl::StatusCode::kOutOfRange,
                       ERROR_REASON_CURSOR_EXPIRED,
                       "cursor points before the retained callback log",
                       {{"oldestCursor", std::string(floor)}});
}

absl::Status SubscriptionNotFound(absl::string_view name) {
  return errors::Error(absl::StatusCode::kNotFound,
                       ::jumio::gateway::v1::ERROR_REASON_NOT_FOUND,
                       absl::StrCat("subscription ", name, " does not exist"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCallbackLog>> RedisCallbackLog::Open(
    Options options) {
  std::unique_ptr<RedisCallbackLog> log(
      new RedisCallbackLog(std::move(options)));
  absl::StatusOr<std::shared_ptr<Reply>> ping = log->Command({"PING"});
  if (!ping.ok()) return ping.status();
  absl::StatusOr<std::shared_ptr<Reply>> aof =
      log->Command({"CONFIG", "GET", "appendfsync"});
  absl::StatusOr<std::shared_ptr<Reply>> on =
      log->Command({"CONFIG", "GET", "appendonly"});
  if (aof.ok() && on.ok() && (*aof)->r->type == REDIS_REPLY_ARRAY &&
      (*aof)->r->elements == 2 && (*on)->r->type == REDIS_REPLY_ARRAY &&
      (*on)->r->elements == 2) {
    log->fsync_always_ = Str((*aof)->r->element[1]) == "always" &&
                         Str((*on)->r->element[1]) == "yes";
  }
  return log;
}

RedisCallbackLog::~RedisCallbackLog() {
  absl::MutexLock l(&mu_);
  for (redisContext* c : idle_) redisFree(c);
  idle_.clear();
}

std::string RedisCallbackLog::Key(absl::string_view suffix) const {
  return absl::StrCat(options_.prefix, ":", suffix);
}

absl::StatusOr<redisContext*> RedisCallbackLog::Acquire() {
  {
    absl::MutexLock l(&mu_);
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return c;
    }
  }
  const timeval tv = absl::ToTimeval(options_.connect_timeout);
  redisContext* c = nullptr;
  absl::string_view addr = options_.address;
  if (absl::ConsumePrefix(&addr, "unix:")) {
    c = redisConnectUnixWithTimeout(std::string(addr).c_str(), tv);
  } else {
    std::pair<std::string, std::string> hp =
        absl::StrSplit(addr, absl::MaxSplits(':', 1));
    int port = 6379;
    if (!hp.second.empty() && !absl::SimpleAtoi(hp.second, &port)) {
      return absl::InvalidArgumentError("callback_redis_address: bad port");
    }
    c = redisConnectWithTimeout(hp.first.c_str(), port, tv);
  }
  if (c == nullptr || c->err != 0) {
    const std::string err = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return Unavailable(absl::StrCat("connect: ", err));
  }
  redisSetTimeout(c, absl::ToTimeval(options_.command_timeout));
  return c;
}

void RedisCallbackLog::Release(redisContext* c, bool healthy) {
  if (!healthy) {
    redisFree(c);
    return;
  }
  absl::MutexLock l(&mu_);
  idle_.push_back(c);
}

absl::StatusOr<std::shared_ptr<RedisCallbackLog::Reply>>
RedisCallbackLog::Command(const std::vector<std::string>& args) {
  absl::StatusOr<redisContext*> c = Acquire();
  if (!c.ok()) return c.status();
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  void* raw = redisCommandArgv(*c, static_cast<int>(args.size()), argv.data(),
                               lens.data());
  if (raw == nullptr) {
    const std::string err = (*c)->errstr;
    Release(*c, false);
    return Unavailable(err);
  }
  Release(*c, true);
  auto reply = std::make_shared<Reply>(static_cast<redisReply*>(raw));
  if (reply->r->type == REDIS_REPLY_ERROR) {
    const std::string err = Str(reply->r);
    if (absl::StartsWith(err, "NOGROUP")) {
      return absl::NotFoundError(err);
    }
    if (absl::StartsWith(err, "BUSYGROUP")) {
      return absl::AlreadyExistsError(err);
    }
    return Unavailable(err);
  }
  return reply;
}

absl::StatusOr<absl::optional<std::string>> RedisCallbackLog::TextCommand(
    const std::vector<std::string>& args) {
  absl::StatusOr<std::shared_ptr<Reply>> r = Command(args);
  if (!r.ok()) return r.status();
  const redisReply* rep = (*r)->r;
  if (rep->type == REDIS_REPLY_NIL) return absl::nullopt;
  if (rep->type != REDIS_REPLY_STRING && rep->type != REDIS_REPLY_STATUS &&
      rep->type != REDIS_REPLY_INTEGER) {
    return Unavailable("unexpected reply");
  }
  return Str(rep);
}

absl::StatusOr<AppendResult> RedisCallbackLog::Append(
    const v1::Callback& callback, absl::string_view dedup_key) {
  v1::Callback copy = callback;
  copy.clear_cursor();
  copy.clear_enrichment();
  absl::StatusOr<std::shared_ptr<Reply>> r = Command(
      {"EVAL", kAppendScript, "2", Key("log"),
       Key(absl::StrCat("dedup:", dedup_key)), copy.SerializeAsString(),
       absl::StrCat(
           std::max<int64_t>(1, absl::ToInt64Seconds(options_.retention))),
       Key("cb:"),
       absl::StrCat(std::max<int64_t>(
           1, absl::ToInt64Seconds(options_.retention + kContentGrace)))});
  if (!r.ok()) return r.status();
  const redisReply* rep = (*r)->r;
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
    return Unavailable("unexpected append reply");
  }
  AppendResult result;
  result.cursor = Str(rep->element[0]);
  result.duplicate = rep->element[1]->integer == 1;
  return result;
}

absl::Status RedisCallbackLog::DecodeEntries(
    const redisReply* entries, const redisReply* enrichments,
    const Filter& filter, Batch* out, std::vector<std::string>* filtered_out) {
  // Entries: [[id, [field, value, ...]], ...]; an entry deleted meanwhile may
  // come back with a nil body.
  if (entries->type != REDIS_REPLY_ARRAY) return absl::OkStatus();
  struct Decoded {
    bool readable = false;
    v1::Callback callback;
    v1::UnreadableCallback unreadable;
    size_t entry_index = 0;
  };
  // Contents kept in their own keys (field c), fetched in one round trip.
  std::vector<std::string> content_args = {"MGET"};
  for (size_t i = 0; i < entries->elements; ++i) {
    const redisReply* e = entries->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[1]->type != REDIS_REPLY_ARRAY) {
      continue;
    }
    const redisReply* fields = e->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (Str(fields->element[f]) == "c") {
        content_args.push_back(Key(absl::StrCat("cb:", Str(e->element[0]))));
      }
    }
  }
  absl::flat_hash_map<std::string, std::string> contents;  // key -> bytes
  if (content_args.size() > 1) {
    absl::StatusOr<std::shared_ptr<Reply>> got = Command(content_args);
    if (!got.ok()) return got.status();
    const redisReply* g = (*got)->r;
    if (g->type != REDIS_REPLY_ARRAY ||
        g->elements != content_args.size() - 1) {
      return Unavailable("unexpected content reply");
    }
    for (size_t k = 0; k < g->elements; ++k) {
      if (g->element[k]->type == REDIS_REPLY_STRING) {
        contents[content_args[k + 1]] = Str(g->element[k]);
      }
    }
  }
  std::vector<Decoded> decoded;
  std::vector<std::string> enrich_args = {"MGET"};
  std::vector<size_t> enrich_targets;  // indexes into `decoded`
  for (size_t i = 0; i < entries->elements; ++i) {
    const redisReply* e = entries->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) continue;
    const std::string id = Str(e->element[0]);
    const redisReply* fields = e->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) {
      continue;  // deleted by retention between the range and the read
    }
    Decoded d;
    d.entry_index = i;
    std::string reason = kMissingDataReason;
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      const std::string field = Str(fields->element[f]);
      if (field == "d") {
        d.readable = DecodeStoredCallback(Str(fields->element[f + 1]),
                                          &d.callback, &reason);
      } else if (field == "c") {
        // A missing content key (erased or expired) reads as missing data.
        auto it = contents.find(Key(absl::StrCat("cb:", id)));
        d.readable = DecodeStoredCallback(
            it == contents.end() ? absl::string_view() : it->second,
            &d.callback, &reason);
      }
    }
    if (!d.readable) {
      d.unreadable.set_cursor(id);
      StreamId sid;
      if (ParseStreamId(id, &sid)) {
        // Redis stamps an entry id with the time it was added.
        *d.unreadable.mutable_receive_time() =
            google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
                static_cast<int64_t>(sid.ms));
      }
      d.unreadable.set_reason(reason);
      decoded.push_back(std::move(d));
      continue;
    }
    d.callback.set_cursor(id);
    if (enrichments != nullptr) {
      if (enrichments->type == REDIS_REPLY_ARRAY && i < enrichments->elements &&
          enrichments->element[i]->type == REDIS_REPLY_STRING &&
          !d.callback.mutable_enrichment()->ParseFromString(
              Str(enrichments->element[i]))) {
        d.callback.clear_enrichment();  // optional: the callback is whole
      }
    } else {
      enrich_args.push_back(Key(absl::StrCat("enrich:", id)));
      enrich_targets.push_back(decoded.size());
    }
    decoded.push_back(std::move(d));
  }
  if (!enrich_targets.empty()) {
    absl::StatusOr<std::shared_ptr<Reply>> en = Command(enrich_args);
    if (en.ok() && (*en)->r->type == REDIS_REPLY_ARRAY &&
        (*en)->r->elements == enrich_targets.size()) {
      for (size_t k = 0; k < enrich_targets.size(); ++k) {
        const redisReply* v = (*en)->r->element[k];
        v1::Callback& cb = decoded[enrich_targets[k]].callback;
        if (v->type == REDIS_REPLY_STRING &&
            !cb.mutable_enrichment()->ParseFromString(Str(v))) {
          cb.clear_enrichment();
        }
      }
    }
  }
  for (Decoded& d : decoded) {
    if (!d.readable) {
      if (!filter.Matches(d.unreadable)) continue;
      UnreadableEntry entry;
      entry.entry = std::move(d.unreadable);
      entry.position = out->callbacks.size();
      out->unreadable.push_back(std::move(entry));
    } else if (filter.Matches(d.callback)) {
      out->callbacks.push_back(std::move(d.callback));
    } else if (filtered_out != nullptr) {
      filtered_out->push_back(d.callback.cursor());
    }
  }
  return absl::OkStatus();
}

absl::Status RedisCallbackLog::CheckNotExpired(absl::string_view after) {
  if (after.empty()) return absl::OkStatus();
  StreamId a;
  if (!ParseStreamId(after, &a)) {
    return errors::InvalidField("after_cursor", "not a cursor of this gateway");
  }
  absl::StatusOr<std::shared_ptr<Reply>> floor = Command({"GET", Key("floor")});
  if (!floor.ok()) return floor.status();
  StreamId f;
  if ((*floor)->r->type == REDIS_REPLY_STRING &&
      ParseStreamId(Str((*floor)->r), &f) && a < f) {
    return CursorExpired(Str((*floor)->r));
  }
  return absl::OkStatus();
}

absl::StatusOr<ReadResult> RedisCallbackLog::Read(absl::string_view after,
                                                  int scan_limit,
                                                  const Filter& filter) {
  StreamId a;
  if (!after.empty() && !ParseStreamId(after, &a)) {
    return errors::InvalidField("after_cursor", "not a cursor of this gateway");
  }
  ReadResult result;
  absl::StatusOr<std::shared_ptr<Reply>> r =
      Command({"EVAL", kReadScript, "2", Key("log"), Key("floor"),
               after.empty() ? "-" : absl::StrCat("(", after),
               absl::StrCat(std::max(scan_limit, 0)), Key("enrich:")});
  if (!r.ok()) return r.status();
  const redisReply* rep = (*r)->r;
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3) {
    return Unavailable("unexpected read reply");
  }
  StreamId f;
  if (!after.empty() && rep->element[0]->type == REDIS_REPLY_STRING &&
      ParseStreamId(Str(rep->element[0]), &f) && a < f) {
    return CursorExpired(Str(rep->element[0]));
  }
  if (scan_limit <= 0) return result;
  const redisReply* entries = rep->element[1];
  result.scanned = static_cast<int>(entries->elements);
  if (entries->elements > 0) {
    result.scanned_cursor =
        Str(entries->element[entries->elements - 1]->element[0]);
  }
  absl::Status s =
      DecodeEntries(entries, rep->element[2], filter, &result, nullptr);
  if (!s.ok()) return s;
  return result;
}

absl::StatusOr<std::string> RedisCallbackLog::HeadCursor() {
  absl::StatusOr<std::shared_ptr<Reply>> r =
      Command({"XREVRANGE", Key("log"), "+", "-", "COUNT", "1"});
  if (!r.ok()) return r.status();
  if ((*r)->r->elements == 0) return std::string();
  return Str((*r)->r->element[0]->element[0]);
}

absl::StatusOr<std::string> RedisCallbackLog::WaitForNewer(
    absl::string_view after, absl::Duration timeout) {
  // XREAD BLOCK sees appends from every replica as they happen.
  absl::StatusOr<std::shared_ptr<Reply>> r = Command(
      {"XREAD", "COUNT", "1", "BLOCK",
       absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout))),
       "STREAMS", Key("log"), after.empty() ? "0-0" : std::string(after)});
  if (!r.ok()) return r.status();
  if ((*r)->r->type == REDIS_REPLY_NIL) return std::string(after);
  // The first newer id, not the head: good enough to say "something new"
  // and saves a round trip; the next wait returns at once if more follow.
  const redisReply* stream = (*r)->r->element[0];
  const redisReply* entries = stream->element[1];
  if (entries->elements == 0) return std::string(after);
  return Str(entries->element[0]->element[0]);
}

absl::Status RedisCallbackLog::AttachEnrichment(
    absl::string_view cursor, const v1::CallbackEnrichment& enrichment) {
  // Only while the entry exists: an enrichment fetched for a callback erased
  // meanwhile must not come back as an orphan key.
  StreamId id;
  if (!ParseStreamId(cursor, &id)) {
    return errors::InvalidField("cursor", "not a cursor of this gateway");
  }
  absl::StatusOr<std::shared_ptr<Reply>> r =
      Command({"EVAL", kAttachEnrichmentScript, "2", Key("log"),
               Key(absl::StrCat("enrich:", cursor)), std::string(cursor),
               enrichment.SerializeAsString(),
               absl::StrCat(std::max<int64_t>(
                   1, absl::ToInt64Seconds(options_.retention)))});
  return r.status();
}

absl::Status RedisCallbackLog::EnsureSubscription(
    absl::string_view name, absl::string_view start_after) {
  const std::string now =
      absl::StrCat(absl::ToUnixMicros(options_.clock->Now()));
  absl::StatusOr<std::shared_ptr<Reply>> exists =
      Command({"HEXISTS", Key("subs"), std::string(name)});
  if (!exists.ok()) return exists.status();
  if ((*exists)->r->integer == 0) {
    absl::Status s = CheckNotExpired(start_after);
    if (!s.ok()) return s;
    absl::StatusOr<std::shared_ptr<Reply>> g = Command(
        {"XGROUP", "CREATE", Key("log"), absl::StrCat("g:", name),
         start_after.empty() ? "0" : std::string(start_after), "MKSTREAM"});
    if (!g.ok() && !absl::IsAlreadyExists(g.status())) return g.status();
  }
  return Command({"HSET", Key("subs"), std::string(name), now}).status();
}

absl::StatusOr<Batch> RedisCallbackLog::Claim(absl::string_view name,
                                              absl::string_view consumer,
                                              int max_outstanding,
                                              absl::Duration ack_deadline,
                                              const Filter& filter) {
  const std::string group = absl::StrCat("g:", name);
  const std::string cons(consumer);
  absl::StatusOr<std::shared_ptr<Reply>> exists =
      Command({"HEXISTS", Key("subs"), std::string(name)});
  if (!exists.ok()) return exists.status();
  if ((*exists)->r->integer == 0) return SubscriptionNotFound(name);
  const int64_t deadline_ms = absl::ToInt64Milliseconds(ack_deadline);

  // What this consumer holds and is still within its deadline.
  absl::StatusOr<std::shared_ptr<Reply>> pending =
      Command({"XPENDING", Key("log"), group, "IDLE", absl::StrCat(0), "-", "+",
               "1000", cons});
  if (!pending.ok()) {
    if (absl::IsNotFound(pending.status())) return SubscriptionNotFound(name);
    return pending.status();
  }
  int outstanding = 0;
  for (size_t i = 0; i < (*pending)->r->elements; ++i) {
    const redisReply* p = (*pending)->r->element[i];
    if (p->elements >= 3 && p->element[2]->integer < deadline_ms) {
      ++outstanding;
    }
  }
  int room = max_outstanding - outstanding;
  Batch out;
  if (room <= 0) return out;

  // Redeliveries: entries whose last delivery is older than the deadline.
  absl::StatusOr<std::shared_ptr<Reply>> claimed =
      Command({"XAUTOCLAIM", Key("log"), group, cons, absl::StrCat(deadline_ms),
               "0-0", "COUNT", absl::StrCat(room)});
  if (!claimed.ok()) return claimed.status();
  if ((*claimed)->r->type == REDIS_REPLY_ARRAY &&
      (*claimed)->r->elements >= 2) {
    // Redeliveries (unreadable entries too, until acknowledged).
    absl::Status s = DecodeEntries((*claimed)->r->element[1], nullptr, Filter(),
                                   &out, nullptr);
    if (!s.ok()) return s;
    room -= static_cast<int>(out.callbacks.size() + out.unreadable.size());
  }
  // New entries; those not matching the filter count as acknowledged.
  for (int round = 0; room > 0 && round < 4; ++round) {
    absl::StatusOr<std::shared_ptr<Reply>> fresh =
        Command({"XREADGROUP", "GROUP", group, cons, "COUNT",
                 absl::StrCat(room), "STREAMS", Key("log"), ">"});
    if (!fresh.ok()) return fresh.status();
    if ((*fresh)->r->type != REDIS_REPLY_ARRAY || (*fresh)->r->elements == 0) {
      break;
    }
    const redisReply* stream = (*fresh)->r->element[0];
    const size_t got = stream->element[1]->elements;
    // Unreadable entries are delivered whatever the filter; callbacks it
    // refuses count as acknowledged.
    std::vector<std::string> ack = {"XACK", Key("log"), group};
    const size_t before = out.callbacks.size() + out.unreadable.size();
    absl::Status decoded =
        DecodeEntries(stream->element[1], nullptr, filter, &out, &ack);
    if (!decoded.ok()) return decoded;
    room -=
        static_cast<int>(out.callbacks.size() + out.unreadable.size() - before);
    if (ack.size() > 3) {
      absl::Status s = Command(ack).status();
      if (!s.ok()) return s;
    }
    if (got < 1 || ack.size() == 3) break;  // nothing filtered: room is right
  }
  Command({"HSET", Key("subs"), std::string(name),
           absl::StrCat(absl::ToUnixMicros(options_.clock->Now()))})
      .IgnoreError();
  return out;
}

absl::Status RedisCallbackLog::Acknowledge(
    absl::string_view name, const std::vector<std::string>& cursors) {
  absl::StatusOr<std::shared_ptr<Reply>> exists =
      Command({"HEXISTS", Key("subs"), std::string(name)});
  if (!exists.ok()) return exists.status();
  if ((*exists)->r->integer == 0) return SubscriptionNotFound(name);
  std::vector<std::string> args = {"XACK", Key("log"),
                                   absl::StrCat("g:", name)};
  for (const std::string& c : cursors) {
    StreamId id;
    if (ParseStreamId(c, &id)) args.push_back(c);  // others: unknown, fine
  }
  if (args.size() == 3) return absl::OkStatus();
  return Command(args).status();
}

absl::Status RedisCallbackLog::PutBinding(absl::string_view nonce,
                                          const Binding& binding) {
  const std::string value =
      absl::StrCat(static_cast<int>(binding.region), "|", binding.account_id);
  const std::string key = Key(absl::StrCat("binding:", nonce));
  absl::StatusOr<std::shared_ptr<Reply>> r =
      Command({"SET", key, value, "NX", "EX",
               absl::StrCat(std::max<int64_t>(
                   1, absl::ToInt64Seconds(options_.binding_retention)))});
  if (!r.ok()) return r.status();
  if ((*r)->r->type != REDIS_REPLY_NIL) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<Reply>> existing = Command({"GET", key});
  if (!existing.ok()) return existing.status();
  if (Str((*existing)->r) == value) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "callback token already bound to another account");
}

absl::StatusOr<absl::optional<Binding>> RedisCallbackLog::GetBinding(
    absl::string_view nonce) {
  absl::StatusOr<std::shared_ptr<Reply>> r =
      Command({"GET", Key(absl::StrCat("binding:", nonce))});
  if (!r.ok()) return r.status();
  if ((*r)->r->type != REDIS_REPLY_STRING) return absl::optional<Binding>();
  std::pair<std::string, std::string> p =
      absl::StrSplit(Str((*r)->r), absl::MaxSplits('|', 1));
  int region = 0;
  if (!absl::SimpleAtoi(p.first, &region)) return absl::optional<Binding>();
  Binding b;
  b.region = static_cast<v1::Region>(region);
  b.account_id = p.second;
  return absl::optional<Binding>(std::move(b));
}

absl::StatusOr<RetentionResult> RedisCallbackLog::ApplyRetention(
    absl::Duration retention, absl::Duration /*binding_retention*/,
    const RetentionLimits& limits) {
  const absl::Time cutoff = options_.clock->Now() - retention;
  const std::string min_id = absl::StrCat(absl::ToUnixMillis(cutoff), "-0");
  const std::string count = absl::StrCat(std::max(limits.batch, 1));
  RetentionResult result;
  // Each batch: the log's first `batch` entries older than the cutoff, their
  // content keys, then an exact XTRIM up to just after the last of them, so
  // one command never removes more than a batch.
  for (int i = 0; i < limits.max_batches; ++i) {
    absl::StatusOr<std::shared_ptr<Reply>> old = Command(
        {"XRANGE", Key("log"), "-", absl::StrCat("(", min_id), "COUNT", count});
    if (!old.ok()) return old.status();
    const redisReply* entries = (*old)->r;
    if (entries->type != REDIS_REPLY_ARRAY || entries->elements == 0) break;
    std::vector<std::string> del = {"DEL"};
    std::string last;
    for (size_t j = 0; j < entries->elements; ++j) {
      last = Str(entries->element[j]->element[0]);
      del.push_back(Key(absl::StrCat("cb:", last)));
      del.push_back(Key(absl::StrCat("enrich:", last)));
    }
    StreamId last_id;
    if (!ParseStreamId(last, &last_id)) {
      return Unavailable("unexpected stream id in the callback log");
    }
    absl::Status s = Command(del).status();
    if (!s.ok()) return s;
    absl::StatusOr<std::shared_ptr<Reply>> trimmed =
        Command({"XTRIM", Key("log"), "MINID",
                 absl::StrCat(last_id.ms, "-", last_id.seq + 1)});
    if (!trimmed.ok()) return trimmed.status();
    // Cursors before the newest dropped entry are expired (as in SQLite).
    s = Command({"SET", Key("floor"), last}).status();
    if (!s.ok()) return s;
    result.callbacks += (*trimmed)->r->integer;
    if (static_cast<int>(entries->elements) < limits.batch) break;
  }
  // Subscriptions idle for the retention window, walked with HSCAN from
  // where the previous pass stopped.
  const int64_t cutoff_us = absl::ToUnixMicros(cutoff);
  absl::MutexLock l(&subs_scan_mu_);
  for (int i = 0; i < limits.max_batches; ++i) {
    absl::StatusOr<std::shared_ptr<Reply>> page =
        Command({"HSCAN", Key("subs"), subs_scan_cursor_, "COUNT", count});
    if (!page.ok()) return page.status();
    const redisReply* r = (*page)->r;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
      return Unavailable("unexpected HSCAN reply");
    }
    const redisReply* fields = r->element[1];
    for (size_t j = 0; j + 1 < fields->elements; j += 2) {
      const std::string name = Str(fields->element[j]);
      int64_t last = 0;
      if (!absl::SimpleAtoi(Str(fields->element[j + 1]), &last) ||
          last >= cutoff_us) {
        continue;
      }
      // An error here is a group already gone (or a log never written).
      Command({"XGROUP", "DESTROY", Key("log"), absl::StrCat("g:", name)})
          .IgnoreError();
      absl::Status s = Command({"HDEL", Key("subs"), name}).status();
      if (!s.ok()) return s;
      ++result.subscriptions;
    }
    subs_scan_cursor_ = Str(r->element[0]);
    if (subs_scan_cursor_ == "0") break;
  }
  // Dedup keys, enrichments and bindings expire by their TTLs.
  return result;
}

absl::StatusOr<OldestRecord> RedisCallbackLog::Oldest(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCallbacks:
      break;
    case RecordKind::kBindings:
      // Each binding key expires by its own TTL.
      return OldestRecord{/*swept=*/false, absl::nullopt};
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("the callback log keeps no ", RecordKindName(kind)));
  }
  absl::StatusOr<std::shared_ptr<Reply>> first =
      Command({"XRANGE", Key("log"), "-", "+", "COUNT", "1"});
  if (!first.ok()) return first.status();
  const redisReply* entries = (*first)->r;
  OldestRecord oldest;
  StreamId id;
  if (entries->type == REDIS_REPLY_ARRAY && entries->elements > 0 &&
      ParseStreamId(Str(entries->element[0]->element[0]), &id)) {
    // Redis stamps an entry id with the time it was added.
    oldest.written = absl::FromUnixMillis(id.ms);
  }
  return oldest;
}

absl::StatusOr<std::vector<std::string>> RedisCallbackLog::Erase(
    absl::string_view account_id, absl::string_view workflow_execution_id) {
  std::vector<std::string> erased;     // execution ids
  std::vector<std::string> entry_ids;  // stream ids
  std::vector<std::string> keys;       // enrichment and dedup keys
  // The account is inside the stored protobuf: every entry is decoded once,
  // in pages (the stream holds the retention window only).
  std::string from = "-";
  constexpr int kPage = 512;
  for (int page = 0; page < 1'000'000; ++page) {
    absl::StatusOr<std::shared_ptr<Reply>> r = Command(
        {"XRANGE", Key("log"), from, "+", "COUNT", absl::StrCat(kPage)});
    if (!r.ok()) return r.status();
    const redisReply* entries = (*r)->r;
    if (entries->type != REDIS_REPLY_ARRAY || entries->elements == 0) break;
    const redisReply* tail = entries->element[entries->elements - 1];
    const std::string last =
        tail->type == REDIS_REPLY_ARRAY && tail->elements == 2
            ? Str(tail->element[0])
            : std::string();
    // Decoded like a read (content in its own key or in the entry).
    Batch batch;
    absl::Status decoded =
        DecodeEntries(entries, nullptr, Filter(), &batch, nullptr);
    if (!decoded.ok()) return decoded;
    for (const v1::Callback& cb : batch.callbacks) {
      if (!IsErasable(cb, account_id, workflow_execution_id)) continue;
      entry_ids.push_back(cb.cursor());
      keys.push_back(Key(absl::StrCat("cb:", cb.cursor())));
      keys.push_back(Key(absl::StrCat("enrich:", cb.cursor())));
      keys.push_back(Key(absl::StrCat("dedup:", DedupKey(cb))));
      const std::string& id = cb.workflow_execution().id();
      if (std::find(erased.begin(), erased.end(), id) == erased.end()) {
        erased.push_back(id);
      }
    }
    if (entries->elements < static_cast<size_t>(kPage) || last.empty()) break;
    from = absl::StrCat("(", last);
  }
  if (!entry_ids.empty()) {
    // Pending entries of every subscription first, then the entries.
    absl::StatusOr<std::shared_ptr<Reply>> subs =
        Command({"HKEYS", Key("subs")});
    if (!subs.ok()) return subs.status();
    for (size_t i = 0; i < (*subs)->r->elements; ++i) {
      std::vector<std::string> ack = {
          "XACK", Key("log"), absl::StrCat("g:", Str((*subs)->r->element[i]))};
      ack.insert(ack.end(), entry_ids.begin(), entry_ids.end());
      absl::Status s = Command(ack).status();
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
    std::vector<std::string> xdel = {"XDEL", Key("log")};
    xdel.insert(xdel.end(), entry_ids.begin(), entry_ids.end());
    absl::Status s = Command(xdel).status();
    if (!s.ok()) return s;
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), keys.begin(), keys.end());
    s = Command(del).status();
    if (!s.ok()) return s;
  }
  if (workflow_execution_id.empty()) {
    // Bindings: "<prefix>:binding:<nonce>" = "<region>|<account>".
    std::string cursor = "0";
    const std::string suffix = absl::StrCat("|", account_id);
    for (int round = 0; round < 1'000'000; ++round) {
      absl::StatusOr<std::shared_ptr<Reply>> r =
          Command({"SCAN", cursor, "MATCH", Key("binding:*"), "COUNT", "500"});
      if (!r.ok()) return r.status();
      const redisReply* rep = (*r)->r;
      if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        return Unavailable("unexpected scan reply");
      }
      cursor = Str(rep->element[0]);
      const redisReply* found = rep->element[1];
      for (size_t i = 0; i < found->elements; ++i) {
        const std::string key = Str(found->element[i]);
        absl::StatusOr<std::shared_ptr<Reply>> v = Command({"GET", key});
        if (!v.ok()) return v.status();
        if (absl::EndsWith(Str((*v)->r), suffix)) {
          absl::Status s = Command({"DEL", key}).status();
          if (!s.ok()) return s;
        }
      }
      if (cursor == "0") break;
    }
  }
  return erased;
}

// Erasure intents: "<prefix>:erasures", a sorted set of "region/account/
// execution" (ids only) by the time they were begun.
absl::Status RedisCallbackLog::PutErasureIntent(const ErasureIntent& intent) {
  return Command({"ZADD", Key("erasures"), "NX",
                  absl::StrCat(absl::ToUnixMillis(options_.clock->Now())),
                  intent.Key()})
      .status();
}

absl::Status RedisCallbackLog::DeleteErasureIntent(
    const ErasureIntent& intent) {
  return Command({"ZREM", Key("erasures"), intent.Key()}).status();
}

absl::StatusOr<std::vector<ErasureIntent>> RedisCallbackLog::ErasureIntents(
    int limit) {
  absl::StatusOr<std::shared_ptr<Reply>> r = Command(
      {"ZRANGE", Key("erasures"), "0", absl::StrCat(std::max(limit, 1) - 1)});
  if (!r.ok()) return r.status();
  std::vector<ErasureIntent> out;
  if ((*r)->r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < (*r)->r->elements; ++i) {
    std::vector<std::string> parts =
        absl::StrSplit(Str((*r)->r->element[i]), absl::MaxSplits('/', 2));
    if (parts.size() != 3) continue;  // not one of ours
    out.push_back({parts[0], parts[1], parts[2]});
  }
  return out;
}

}  // namespace jumio_gateway::callbacks
