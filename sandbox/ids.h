// Where identifiers and tokens come from. Seeded explicitly so that a run can
// be reproduced
// (--seed); one instance per process, shared by every module that mints ids.
#ifndef JUMIO_GATEWAY_SANDBOX_IDS_H_
#define JUMIO_GATEWAY_SANDBOX_IDS_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/synchronization/mutex.h"

namespace jumio::sandbox {

class IdSource {
 public:
  explicit IdSource(uint64_t seed) : engine_(seed) {}
  std::string Uuid();            // RFC 4122 version 4 layout
  std::string Token(int bytes);  // lower-case hex
  double Uniform();              // [0, 1), for fault rates

 private:
  uint64_t Next();
  absl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_IDS_H_
