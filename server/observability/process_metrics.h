// The standard process_* metrics of Prometheus client libraries (CPU seconds,
// resident memory, open and maximum file descriptors, start time), read from
// /proc on each scrape so the dashboard's saturation panels work without a
// node exporter or cAdvisor.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_PROCESS_METRICS_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "server/observability/metrics.h"

namespace jumio_gateway::observability {

class ProcessMetrics {
 public:
  // `proc_self` is the /proc directory of the process to describe
  // ("/proc/self"; tests pass a fake tree).
  explicit ProcessMetrics(Registry& registry,
                          std::string proc_self = "/proc/self");

  // Refreshes every value; call before a scrape (AdminServer::before_scrape).
  // Values that cannot be read keep their previous reading.
  void Update();

 private:
  const std::string proc_self_;
  Counter& cpu_seconds_;
  Gauge& resident_memory_bytes_;
  Gauge& virtual_memory_bytes_;
  Gauge& open_fds_;
  Gauge& max_fds_;
  Gauge& start_time_seconds_;
  Gauge& threads_;
  absl::Mutex mu_;
  double last_cpu_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_PROCESS_METRICS_H_
