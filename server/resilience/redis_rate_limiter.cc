#include "server/resilience/redis_rate_limiter.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace jumio_gateway::resilience {
namespace {

// GCRA, atomically. KEYS[1]: the key's theoretical arrival time in
// microseconds of Redis's clock. ARGV: interval, tolerance (burst - 1
// intervals) and the longest acceptable wait, all in microseconds. Returns
// {granted (1/0), wait in microseconds}. The key expires once it no longer
// holds back anybody.
constexpr char kGcraScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local at = tat - tolerance
if at < now then at = now end
local wait = at - now
if wait > max_wait then return {0, wait} end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX',
           math.floor((next_tat - now) / 1000) + 1000)
return {1, wait}
)lua";

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisRateLimiterOptions options,
                                   const core::Clock& clock)
    : options_(std::move(options)), clock_(clock), fallback_(clock) {}

RedisRateLimiter::~RedisRateLimiter() {
  absl::MutexLock lock(&mu_);
  Drop();
}

void RedisRateLimiter::Drop() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

absl::Status RedisRateLimiter::Connect() {
  const timeval connect_timeout = absl::ToTimeval(options_.connect_timeout);
  absl::string_view address = options_.address;
  redisContext* c = nullptr;
  if (absl::ConsumePrefix(&address, "unix:")) {
    c = redisConnectUnixWithTimeout(std::string(address).c_str(),
                                    connect_timeout);
  } else {
    std::pair<std::string, std::string> host_port =
        absl::StrSplit(address, absl::MaxSplits(':', 1));
    int port = 6379;
    if (!host_port.second.empty() &&
        !absl::SimpleAtoi(host_port.second, &port)) {
      return absl::InvalidArgumentError("rate limit redis address: bad port");
    }
    c = redisConnectWithTimeout(host_port.first.c_str(), port, connect_timeout);
  }
  if (c == nullptr || c->err != 0) {
    const std::string error = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis connect: ", error));
  }
  redisSetTimeout(c, absl::ToTimeval(options_.command_timeout));
  context_ = c;
  return absl::OkStatus();
}

absl::StatusOr<RedisRateLimiter::Answer> RedisRateLimiter::Eval(
    const std::string& key, const RateLimit& limit, absl::Duration max_wait) {
  if (context_ == nullptr) {
    absl::Status connected = Connect();
    if (!connected.ok()) return connected;
  }
  const int64_t interval_us =
      std::max<int64_t>(1, std::llround(1e6 / limit.per_second));
  const int64_t tolerance_us = interval_us * (std::max(limit.burst, 1) - 1);
  // Lua numbers are doubles: exact far beyond any wait a caller has.
  const int64_t max_wait_us = std::clamp<int64_t>(
      absl::ToInt64Microseconds(max_wait), -1, int64_t{1} << 50);
  const std::vector<std::string> args = {
      "EVAL",
      kGcraScript,
      "1",
      absl::StrCat(options_.prefix, ":ratelimit:", key),
      absl::StrCat(interval_us),
      absl::StrCat(tolerance_us),
      absl::StrCat(max_wait_us)};
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      context_, static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    const std::string error = context_->errstr;
    Drop();  // a connection with an error cannot be used again
    return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  absl::StatusOr<Answer> answer =
      absl::UnavailableError("redis: unexpected reply to the GCRA script");
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
      reply->element[0]->type == REDIS_REPLY_INTEGER &&
      reply->element[1]->type == REDIS_REPLY_INTEGER) {
    answer = Answer{reply->element[0]->integer == 1,
                    absl::Microseconds(reply->element[1]->integer)};
  } else if (reply->type == REDIS_REPLY_ERROR) {
    answer = absl::UnavailableError(
        absl::StrCat("redis: ", std::string(reply->str, reply->len)));
  }
  freeReplyObject(reply);
  return answer;
}

Permit RedisRateLimiter::Reserve(const std::string& key, const RateLimit& limit,
                                 absl::Time latest) {
  const absl::Time now = clock_.Now();
  if (limit.unlimited()) return {true, now, false};
  {
    absl::MutexLock lock(&mu_);
    if (context_ != nullptr || now >= retry_at_) {
      absl::StatusOr<Answer> answer = Eval(key, limit, latest - now);
      if (answer.ok()) {
        // The wait is measured on Redis's clock, the turn on ours.
        return {answer->granted, clock_.Now() + answer->wait, false};
      }
      retry_at_ = clock_.Now() + options_.reconnect_after;
    }
  }
  Permit permit =
      fallback_.Reserve(key, ShareOf(limit, options_.replicas), latest);
  permit.fallback = true;
  return permit;
}

}  // namespace jumio_gateway::resilience
