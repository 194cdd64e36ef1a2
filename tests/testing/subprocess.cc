#include "tests/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace jumio::testing {

std::string RunfilePath(const std::string& rel) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && ws != nullptr)
    return absl::StrCat(srcdir, "/", ws, "/", rel);
  return rel;
}

std::string MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/jgtest.XXXXXX");
  char* dir = mkdtemp(tmpl.data());
  return dir != nullptr ? std::string(dir) : std::string();
}

bool WaitFor(const std::function<bool()>& predicate, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (predicate()) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    Options options) {
  std::vector<std::string> argv_s = {binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::string port_file;
  if (!options.port_file_flag.empty()) {
    const std::string dir = MakeTempDir();
    if (dir.empty()) return absl::InternalError("cannot create a temp dir");
    port_file = dir + "/port";
    argv_s.push_back(absl::StrCat(options.port_file_flag, "=", port_file));
  }
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Child: the test may have blocked signals in its threads; the server must
    // see SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!options.log_file.empty()) {
      int fd =
          open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::unique_ptr<Subprocess> proc(new Subprocess(pid, binary, options));
  if (port_file.empty()) return proc;
  int port = 0;
  const bool ready = WaitFor(
      [&] {
        if (!proc->Running()) return true;
        std::ifstream in(port_file);
        std::string line;
        return std::getline(in, line) &&
               absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &port) &&
               port > 0;
      },
      options.start_timeout);
  if (!proc->Running()) {
    return absl::InternalError(absl::StrCat(
        binary, " exited before listening (status ", proc->exit_status_, ")"));
  }
  if (!ready) {
    proc->Stop();
    return absl::DeadlineExceededError(
        absl::StrCat(binary, " wrote no port file within ",
                     absl::FormatDuration(options.start_timeout)));
  }
  proc->port_ = port;
  return proc;
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    Reaped(status);
    return false;
  }
  return true;
}

void Subprocess::Reaped(int status) {
  reaped_ = true;
  exit_status_ = status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kSanitizerExitCode) {
    ADD_FAILURE() << binary_ << " (pid " << pid_
                  << ") exited with the sanitizers' exit code "
                  << kSanitizerExitCode << ": see its report "
                  << (options_.log_file.empty()
                          ? std::string("above")
                          : absl::StrCat("in ", options_.log_file));
  }
}

int Subprocess::Stop() {
  if (!Running()) return exit_status_;
  kill(pid_, SIGTERM);
  if (!WaitFor([this] { return !Running(); }, options_.stop_grace)) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    Reaped(status);
  }
  return exit_status_;
}

Subprocess::~Subprocess() { Stop(); }

}  // namespace jumio::testing
