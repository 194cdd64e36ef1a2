#include "server/api/platform_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "server/api/reactors.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

// Collects one status per region and finishes the RPC when the last one
// arrives.
class PlatformStatusRpc : public InlineUnaryReactor {
 public:
  // One extra arrival is owed by the code starting the calls (Started()), so
  // that the RPC cannot finish, and be deleted, while calls are still being
  // started.
  PlatformStatusRpc(v1::GetPlatformStatusResponse* response, size_t regions)
      : response_(response), remaining_(regions + 1) {
    results_.resize(regions);
  }

  void Record(size_t index, v1::RegionPlatformStatus status) {
    {
      absl::MutexLock lock(&mu_);
      results_[index] = std::move(status);
    }
    Arrive();
  }

  void Started() { Arrive(); }

 private:
  void Arrive() {
    bool last;
    {
      absl::MutexLock lock(&mu_);
      last = --remaining_ == 0;
    }
    if (!last) return;
    // Requested order, whatever order the answers came in.
    for (auto& result : results_)
      *response_->add_statuses() = std::move(result);
    Finish(grpc::Status::OK);
  }

 public:
  void AddCall(jumio::JumioApi::Handle handle) {
    calls_.Add(std::move(handle));
  }

  void OnCancel() override { calls_.CancelAll(); }
  void OnDone() override { delete this; }

 private:
  v1::GetPlatformStatusResponse* const response_;
  absl::Mutex mu_;
  size_t remaining_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::RegionPlatformStatus> results_ ABSL_GUARDED_BY(mu_);
  UpstreamCalls calls_;
};

}  // namespace

grpc::ServerUnaryReactor* PlatformService::GetPlatformStatus(
    grpc::CallbackServerContext* context,
    const v1::GetPlatformStatusRequest* request,
    v1::GetPlatformStatusResponse* response) {
  std::vector<std::string> regions;
  for (int i = 0; i < request->regions_size(); ++i) {
    const std::string id = RegionId(request->regions(i));
    if (id.empty()) {
      return FinishNow(
          context, errors::InvalidField("regions[" + std::to_string(i) + "]",
                                        "must be a known region"));
    }
    if (std::find(regions.begin(), regions.end(), id) == regions.end()) {
      regions.push_back(id);
    }
  }
  if (regions.empty()) regions = context_.options.regions;
  if (absl::Status s = Admit(context_, *context, regions, ""); !s.ok()) {
    return FinishNow(context, s);
  }

  auto* rpc = new PlatformStatusRpc(response, regions.size());
  const jumio::CallOptions options = UpstreamOptions(
      *context, context_.clock->Now(), context_.options.upstream_timeout);
  for (size_t i = 0; i < regions.size(); ++i) {
    auto clock = context_.clock;
    jumio::JumioApi* api = context_.jumio;
    rpc->AddCall(context_.jumio->GetPlatformStatus(
        regions[i], options,
        [rpc, i, region = regions[i], clock,
         api](absl::StatusOr<v1::RegionPlatformStatus> status) {
          v1::RegionPlatformStatus result;
          if (status.ok()) {
            result = *std::move(status);
          } else {
            result.set_region(RegionFromId(region));
            auto info = errors::GetErrorInfo(status.status());
            v1::ErrorReason reason = v1::ERROR_REASON_INTERNAL;
            if (info.has_value()) {
              v1::ErrorReason_Parse("ERROR_REASON_" + info->reason(), &reason);
            }
            result.set_error_reason(reason);
            result.set_error_message(std::string(status.status().message()));
          }
          // Read after the call, so that it includes the status host's own
          // breaker as this call left it.
          for (const jumio::HostCircuit& circuit : api->Circuits(region)) {
            v1::UpstreamCircuit* out = result.add_circuits();
            out->set_host(circuit.host);
            out->set_state(circuit.state);
          }
          *result.mutable_check_time() =
              google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
                  absl::ToUnixNanos(clock->Now()));
          rpc->Record(i, std::move(result));
        }));
  }
  rpc->Started();
  return rpc;
}

}  // namespace jumio_gateway::api
