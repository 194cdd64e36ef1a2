#include "server/observability/process_metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace jumio_gateway::observability {
namespace {

double Value(const Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name) return family.samples.at(0).value;
  }
  ADD_FAILURE() << name << " missing";
  return -1;
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  Registry registry;
  ProcessMetrics process(registry);
  process.Update();
  EXPECT_GT(Value(registry, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Value(registry, "process_virtual_memory_bytes"), 0);
  EXPECT_GE(Value(registry, "process_threads"), 1);
  EXPECT_GT(Value(registry, "process_max_fds"), 0);
  EXPECT_GT(Value(registry, "process_start_time_seconds"), 1.6e9);

  const double fds = Value(registry, "process_open_fds");
  EXPECT_GE(fds, 3);  // stdin, stdout, stderr at least
  const int extra = open("/dev/null", O_RDONLY);
  ASSERT_GE(extra, 0);
  process.Update();
  EXPECT_EQ(Value(registry, "process_open_fds"), fds + 1);
  close(extra);

  // Burn a little CPU (bounded) and watch the counter move forward only.
  const double before = Value(registry, "process_cpu_seconds_total");
  volatile double sink = 0;
  for (int i = 0; i < 50'000'000; ++i) sink = sink + i * 0.5;
  process.Update();
  EXPECT_GT(Value(registry, "process_cpu_seconds_total"), before);
}

TEST(ProcessMetricsTest, MissingProcTreeKeepsZeros) {
  Registry registry;
  ProcessMetrics process(registry, "/nonexistent/proc/self");
  process.Update();
  EXPECT_EQ(Value(registry, "process_resident_memory_bytes"), 0);
  EXPECT_EQ(Value(registry, "process_open_fds"), 0);
}

}  // namespace
}  // namespace jumio_gateway::observability
