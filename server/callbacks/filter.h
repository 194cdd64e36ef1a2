// Which callbacks a subscriber or a list call wants: the proto CallbackFilter
// validated once and compiled into sets, plus a receive-time range.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_FILTER_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_FILTER_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.pb.h"

namespace jumio_gateway::callbacks {

class Filter {
 public:
  // Matches everything.
  Filter() = default;

  // INVALID_ARGUMENT (with a field violation under `field_prefix`) for
  // REGION_UNSPECIFIED entries or more than 100 values in a list.
  static absl::StatusOr<Filter> FromProto(
      const ::jumio::gateway::v1::CallbackFilter& proto,
      const std::string& field_prefix = "filter");

  // Receive time in [start, end).
  void set_time_range(absl::Time start, absl::Time end) {
    start_ = start;
    end_ = end;
  }

  bool Matches(const ::jumio::gateway::v1::Callback& callback) const;
  // For an entry that cannot be decoded only the time range can be checked,
  // and only when its receive time is known.
  bool Matches(const ::jumio::gateway::v1::UnreadableCallback& entry) const;

  // A stable digest of the filter and time range, so that a page token can
  // tell whether the parameters changed between pages.
  std::string Fingerprint() const;

 private:
  std::set<int> regions_;
  std::set<std::string> accounts_;
  std::set<std::string> workflow_executions_;
  std::set<int64_t> definition_keys_;
  std::set<int> statuses_;
  absl::Time start_ = absl::InfinitePast();
  absl::Time end_ = absl::InfiniteFuture();
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_FILTER_H_
