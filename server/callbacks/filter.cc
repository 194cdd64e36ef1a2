#include "server/callbacks/filter.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/errors/errors.h"

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;
using google::protobuf::util::TimeUtil;

namespace {
constexpr int kMaxValues = 100;
}  // namespace

absl::StatusOr<Filter> Filter::FromProto(const v1::CallbackFilter& proto,
                                         const std::string& field_prefix) {
  Filter f;
  for (int r : proto.regions()) {
    if (r == v1::REGION_UNSPECIFIED || !v1::Region_IsValid(r)) {
      return errors::InvalidField(absl::StrCat(field_prefix, ".regions"),
                                  "must name a region");
    }
    f.regions_.insert(r);
  }
  if (proto.accounts_size() > kMaxValues) {
    return errors::InvalidField(absl::StrCat(field_prefix, ".accounts"),
                                "at most 100 values");
  }
  if (proto.workflow_executions_size() > kMaxValues) {
    return errors::InvalidField(
        absl::StrCat(field_prefix, ".workflow_executions"),
        "at most 100 values");
  }
  if (proto.workflow_definition_keys_size() > kMaxValues) {
    return errors::InvalidField(
        absl::StrCat(field_prefix, ".workflow_definition_keys"),
        "at most 100 values");
  }
  f.accounts_.insert(proto.accounts().begin(), proto.accounts().end());
  f.workflow_executions_.insert(proto.workflow_executions().begin(),
                                proto.workflow_executions().end());
  f.definition_keys_.insert(proto.workflow_definition_keys().begin(),
                            proto.workflow_definition_keys().end());
  f.statuses_.insert(proto.statuses().begin(), proto.statuses().end());
  return f;
}

bool Filter::Matches(const v1::Callback& cb) const {
  const auto& we = cb.workflow_execution();
  if (!regions_.empty() && regions_.count(cb.region()) == 0) return false;
  if (!accounts_.empty() && accounts_.count(we.account()) == 0) return false;
  if (!workflow_executions_.empty() &&
      workflow_executions_.count(we.name()) == 0) {
    return false;
  }
  if (!definition_keys_.empty() &&
      definition_keys_.count(we.definition_key()) == 0) {
    return false;
  }
  if (!statuses_.empty() && statuses_.count(we.status()) == 0) return false;
  if (start_ != absl::InfinitePast() || end_ != absl::InfiniteFuture()) {
    const absl::Time t = absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(cb.receive_time()));
    if (t < start_ || t >= end_) return false;
  }
  return true;
}

bool Filter::Matches(const v1::UnreadableCallback& entry) const {
  if (!entry.has_receive_time()) return true;
  if (start_ == absl::InfinitePast() && end_ == absl::InfiniteFuture()) {
    return true;
  }
  const absl::Time t = absl::FromUnixMicros(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          entry.receive_time()));
  return t >= start_ && t < end_;
}

std::string Filter::Fingerprint() const {
  return absl::StrCat(
      absl::StrJoin(regions_, ","), ";", absl::StrJoin(accounts_, ","), ";",
      absl::StrJoin(workflow_executions_, ","), ";",
      absl::StrJoin(definition_keys_, ","), ";", absl::StrJoin(statuses_, ","),
      ";", absl::FormatTime(start_), ";", absl::FormatTime(end_));
}

}  // namespace jumio_gateway::callbacks
