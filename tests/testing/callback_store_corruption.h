// Writes entries straight into a callback store, behind the gateway's back,
// the way old data, a future format or corruption would look to it.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_CALLBACK_STORE_CORRUPTION_H_
#define JUMIO_GATEWAY_TESTS_TESTING_CALLBACK_STORE_CORRUPTION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jumio_gateway::testing {

// Bytes no protobuf parser accepts (a truncated varint).
std::string GarbageCallbackBytes();

// What a gateway without the UTF-8 check stored for a callback whose
// userReference was not UTF-8: a Callback with workflow execution `we_id`
// and status PROCESSED whose user_reference holds bytes 0xff 0xfe. proto3
// refuses to parse it.
std::string InvalidUtf8CallbackBytes(absl::string_view we_id);

// Inserts a row into the `callbacks` table of the SQLite log at `path` (the
// gateway may have it open: WAL mode allows it). Returns the row's cursor.
absl::StatusOr<std::string> InsertRawSqliteCallback(
    const std::string& path, const std::string& dedup_key, int64_t receive_us,
    const std::string& data);

// XADDs an entry with field `d` = `data` to the Redis log stream of
// `prefix` ("<prefix>:log") at `address` (host:port). Returns the entry id.
absl::StatusOr<std::string> AddRawRedisEntry(const std::string& address,
                                             const std::string& prefix,
                                             const std::string& field,
                                             const std::string& data);

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_CALLBACK_STORE_CORRUPTION_H_
