#include "server/observability/process_metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

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

// Counted exactly with thousands open (a connection flood), whichever way the
// kernel lets the count be read.
TEST(ProcessMetricsTest, CountsThousandsOfDescriptors) {
  Registry registry;
  ProcessMetrics process(registry);
  process.Update();
  const double before = Value(registry, "process_open_fds");
  std::vector<int> fds;
  for (int i = 0; i < 500; ++i) {
    const int fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  process.Update();
  EXPECT_EQ(Value(registry, "process_open_fds"), before + 500);
  for (int fd : fds) close(fd);
  process.Update();
  EXPECT_EQ(Value(registry, "process_open_fds"), before);
}

// A proc tree that is not procfs (a folder whose size is no count) is listed.
TEST(ProcessMetricsTest, CountsAPlainFolderByListing) {
  char tmpl[] = "/tmp/proc_metrics_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string self = tmpl;
  ASSERT_EQ(mkdir((self + "/fd").c_str(), 0700), 0);
  for (const char* name : {"0", "1", "2", "7"}) {
    const int fd =
        open((self + "/fd/" + name).c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  Registry registry;
  ProcessMetrics process(registry, self);
  process.Update();
  EXPECT_EQ(Value(registry, "process_open_fds"), 4);
  for (const char* name : {"0", "1", "2", "7"}) {
    unlink((self + "/fd/" + name).c_str());
  }
  rmdir((self + "/fd").c_str());
  rmdir(self.c_str());
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
