#include "server/callbacks/redis_request_ids.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {
namespace {

// The existing record, or nil after storing the new one: atomic, so one
// replica wins a race on an id.
constexpr char kBeginScript[] = R"lua(
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
)lua";

// The outcome replaces the record for the rest of the key's life. A record
// with a subject (ARGV[2]) is listed in the subject's set KEYS[2], which
// lives as long as its longest-lived record.
constexpr char kFinishScript[] = R"lua(
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  if ARGV[2] ~= '' then
    redis.call('SADD', KEYS[2], KEYS[1])
    if redis.call('PTTL', KEYS[2]) < ttl then
      redis.call('PEXPIRE', KEYS[2], ttl)
    end
  end
end
return ttl
)lua";

// Cuts every listed record after its head line (its outcome), keeping the
// record and its expiry, then drops the list.
constexpr char kForgetScript[] = R"lua(
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local record = redis.call('GET', key)
  local ttl = redis.call('PTTL', key)
  if record and ttl > 0 then
    local newline = string.find(record, '\n', 1, true)
    if newline and newline < #record then
      redis.call('SET', key, string.sub(record, 1, newline), 'PX', ttl)
    end
  end
end
return redis.call('DEL', KEYS[1])
)lua";

// Deletes a record that is still pending ("1 0 ...") under owner ARGV[1].
constexpr char kReleaseScript[] = R"lua(
local existing = redis.call('GET', KEYS[1])
if existing and string.sub(existing, 1, 4) == '1 0 ' then
  local head = string.match(existing, '^[^\n]*')
  local owner = string.match(head, '^1 0 %-?%d+ (%S+) ')
  if owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
end
return 0
)lua";

}  // namespace

std::string RedisRequestIdStore::Key(absl::string_view key) const {
  return absl::StrCat(log_.prefix(), ":request-id:", key);
}

std::string RedisRequestIdStore::SubjectKey(absl::string_view subject) const {
  return absl::StrCat(log_.prefix(), ":request-id-subject:", subject);
}

absl::StatusOr<absl::optional<RequestIdRecord>> RedisRequestIdStore::Decode(
    const absl::optional<std::string>& value) {
  if (!value.has_value()) return absl::nullopt;
  absl::optional<RequestIdRecord> record = DecodeRequestIdRecord(*value);
  if (!record.has_value()) {
    absl::Status s = errors::Error(
        absl::StatusCode::kUnavailable,
        ::jumio::gateway::v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
        "request id store (redis): unreadable record");
    errors::SetRetryDelay(s, absl::Seconds(1));
    return s;
  }
  return record;
}

absl::StatusOr<absl::optional<RequestIdRecord>> RedisRequestIdStore::Begin(
    absl::string_view key, const RequestIdRecord& record) {
  absl::StatusOr<absl::optional<std::string>> existing = log_.TextCommand(
      {"EVAL", kBeginScript, "1", Key(key), EncodeRequestIdRecord(record),
       absl::StrCat(
           std::max<int64_t>(1, absl::ToInt64Milliseconds(retention_)))});
  if (!existing.ok()) return existing.status();
  return Decode(*existing);
}

absl::Status RedisRequestIdStore::Finish(absl::string_view key,
                                         const RequestIdRecord& record) {
  return log_
      .TextCommand({"EVAL", kFinishScript, "2", Key(key),
                    SubjectKey(record.subject), EncodeRequestIdRecord(record),
                    record.subject})
      .status();
}

absl::Status RedisRequestIdStore::Release(absl::string_view key,
                                          absl::string_view owner) {
  return log_
      .TextCommand({"EVAL", kReleaseScript, "1", Key(key), std::string(owner)})
      .status();
}

absl::StatusOr<absl::optional<RequestIdRecord>> RedisRequestIdStore::Get(
    absl::string_view key) {
  absl::StatusOr<absl::optional<std::string>> value =
      log_.TextCommand({"GET", Key(key)});
  if (!value.ok()) return value.status();
  return Decode(*value);
}

absl::Status RedisRequestIdStore::ForgetSubject(absl::string_view subject) {
  return log_.TextCommand({"EVAL", kForgetScript, "1", SubjectKey(subject)})
      .status();
}

}  // namespace jumio_gateway::callbacks
