// What a process under test holds, read from /proc: the figures the flood
// tests and benchmarks print before, during and after a load.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_PROC_STATS_H_
#define JUMIO_GATEWAY_TESTS_TESTING_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/time/time.h"

namespace jumio::testing {

struct ProcStats {
  int threads = -1;
  int64_t rss_kb = -1;
  absl::Duration cpu;  // user + system so far
  int open_fds = -1;
  // Voluntary plus involuntary, summed over the threads alive now: a thread
  // hand-off costs a switch, so per call it counts what the profile calls the
  // largest cost of a call through the gateway.
  int64_t context_switches = -1;
};

// -1 (zero for cpu) for what cannot be read, e.g. after the process ended.
ProcStats ReadProcStats(pid_t pid);

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_PROC_STATS_H_
