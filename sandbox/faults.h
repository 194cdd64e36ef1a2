// Fault injection per region and host kind, set by --faults and changed at run
// time through
// /_sandbox/faults. Specs are JSON (README "Faults").
#ifndef JUMIO_GATEWAY_SANDBOX_FAULTS_H_
#define JUMIO_GATEWAY_SANDBOX_FAULTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "sandbox/ids.h"

namespace jumio::sandbox {

struct FaultSpec {
  std::string region = "*";     // amer-1, emea-1, apac-1 or *
  std::string host_kind = "*";  // auth, account, api, retrieval, status or *
  int latency_ms = 0;           // added before the response
  double error_rate = 0;        // fraction answered with error_status
  int error_status = 503;
  double rate_429 = 0;  // fraction answered 429 with Retry-After
  int retry_after_s = 1;
  double drop_rate = 0;  // fraction whose connection is closed mid-response
  double malformed_rate = 0;  // fraction whose JSON body is cut short
  int slow_body_ms = 0;       // delay between body chunks
  int remaining =
      -1;  // matching requests left before the spec retires; -1 = forever
};

enum class FaultAction { kNone, kError, kTooMany, kDrop, kMalformed };

struct FaultDecision {
  int latency_ms = 0;
  int slow_body_ms = 0;
  FaultAction action = FaultAction::kNone;
  int error_status = 503;
  int retry_after_s = 1;
};

class Faults {
 public:
  explicit Faults(IdSource* random) : random_(random) {}
  // Accepts one spec object or an array of them.
  static absl::StatusOr<std::vector<FaultSpec>> Parse(absl::string_view json);
  void Replace(std::vector<FaultSpec> specs);
  void Add(std::vector<FaultSpec> specs);
  FaultDecision Decide(absl::string_view region, absl::string_view host_kind);
  std::string ToJson() const;
  bool empty() const;

 private:
  IdSource* random_;
  mutable absl::Mutex mu_;
  std::vector<FaultSpec> specs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_FAULTS_H_
