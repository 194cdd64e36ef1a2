// Request ids in the callback log's Redis, for several replicas: one string
// key "<prefix>:request-id:<key>" per id holding the encoded record, with a
// PX expiry of `retention`. Begin is one Lua script (GET, else SET PX), so two
// replicas racing on one id see one winner; Finish keeps the key's TTL;
// Release deletes only a record still pending under its owner. Durability is
// the server's, as for the log (appendonly yes, appendfsync always).
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_REQUEST_IDS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_REQUEST_IDS_H_

#include <string>

#include "server/callbacks/redis_log.h"
#include "server/callbacks/request_id_store.h"

namespace jumio_gateway::callbacks {

class RedisRequestIdStore final : public RequestIdStore {
 public:
  // `log` (its connections and prefix) must outlive the store.
  RedisRequestIdStore(RedisCallbackLog* log, absl::Duration retention)
      : log_(*log), retention_(retention) {}

  absl::StatusOr<absl::optional<RequestIdRecord>> Begin(
      absl::string_view key, const RequestIdRecord& record) override;
  absl::Status Finish(absl::string_view key,
                      const RequestIdRecord& record) override;
  absl::Status Release(absl::string_view key, absl::string_view owner) override;
  absl::StatusOr<absl::optional<RequestIdRecord>> Get(
      absl::string_view key) override;

  absl::Status ForgetSubject(absl::string_view subject) override;
  // Records expire by their PX in Redis itself: nothing to sweep.
  absl::StatusOr<OldestRecord> Oldest() override {
    return OldestRecord{/*swept=*/false, absl::nullopt};
  }

 private:
  std::string Key(absl::string_view key) const;
  // The set of the record keys of one subject (ForgetSubject).
  std::string SubjectKey(absl::string_view subject) const;
  static absl::StatusOr<absl::optional<RequestIdRecord>> Decode(
      const absl::optional<std::string>& value);

  RedisCallbackLog& log_;
  const absl::Duration retention_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_REDIS_REQUEST_IDS_H_
