// Test helpers for starting a server binary from Bazel runfiles and talking
// HTTP to it.
//
//   auto proc = jumio::testing::Subprocess::Start(
//       jumio::testing::RunfilePath("sandbox/jumio-sandbox"),
//       {"--rate_limits=false"}, /*port_file_flag=*/"--port_file");
//   ASSERT_TRUE(proc.ok()) << proc.status();
//   int port = (*proc)->port();
//   ...
//   (*proc)->Stop();  // SIGTERM, then SIGKILL after the grace period; also
//   done by the destructor
//
// A child that exits with kSanitizerExitCode (the exit code the sanitize
// config of .bazelrc gives ASan, LSan and UBSan findings) fails the current
// test, so that the sanitized gateway and sandbox an integration test runs
// cannot hide a finding behind a test that passes.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_SUBPROCESS_H_
#define JUMIO_GATEWAY_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jumio::testing {

// Absolute path of a file in this test's runfiles ("sandbox/jumio-sandbox"),
// from $TEST_SRCDIR/$TEST_WORKSPACE; falls back to the path relative to the
// working directory.
std::string RunfilePath(const std::string& workspace_relative);

// A fresh empty directory under $TEST_TMPDIR (or /tmp) for port files and logs.
std::string MakeTempDir();

// Polls `predicate` every few milliseconds until it returns true or `timeout`
// passes. The one sanctioned way for tests to wait: on a condition, with a
// bound.
bool WaitFor(const std::function<bool()>& predicate, absl::Duration timeout);

// ASAN_OPTIONS/UBSAN_OPTIONS exitcode in `bazel test --config=sanitize`.
inline constexpr int kSanitizerExitCode = 86;

class Subprocess {
 public:
  struct Options {
    // When non-empty, "<flag>=<temp file>" is appended to the arguments and
    // Start waits until the child has written its port there.
    std::string port_file_flag = "--port_file";
    absl::Duration start_timeout = absl::Seconds(20);
    absl::Duration stop_grace = absl::Seconds(5);
    // The child's stdout and stderr go here (appended); empty inherits the
    // test's.
    std::string log_file;
  };

  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      Options options);
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args) {
    return Start(binary, args, Options());
  }

  ~Subprocess();  // Stop()
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // SIGTERM, wait up to stop_grace, then SIGKILL. Returns the exit status as
  // from waitpid
  // (-1 if already stopped). Only ever signals this child's own pid.
  int Stop();
  // True while the child has not exited.
  bool Running();

 private:
  Subprocess(pid_t pid, std::string binary, Options options)
      : pid_(pid), binary_(std::move(binary)), options_(std::move(options)) {}
  // Records the exit status; fails the test on a sanitizer finding.
  void Reaped(int status);
  pid_t pid_;
  std::string binary_;
  int port_ = 0;
  Options options_;
  bool reaped_ = false;
  int exit_status_ = -1;
};

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_SUBPROCESS_H_
