// The callback receiver's request handling (server/callbacks/receiver.h) on
// the real event-driven HTTP server: each input is the raw bytes one client
// sends on one loopback connection (then it half-closes). The receiver, with a
// SQLite log in a temporary directory, lives for the whole run.
//
// "@TOKEN@" in the input is replaced by a valid account token of account
// 11111111-2222-3333-4444-555555555555 (the key is fixed), so that inputs can
// reach the body checks, the parser and the log, not only the token check.
//
// Invariants: the server answers with an HTTP/1.1 status line or closes
// without a word, and it does so within its own deadlines (head 1 s, body
// 1 s) plus slack; it keeps accepting connections afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/callbacks/receiver.h"
#include "server/callbacks/source_policy.h"
#include "server/callbacks/sqlite_log.h"
#include "server/callbacks/stats.h"
#include "server/callbacks/token.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/testing/loopback.h"

namespace callbacks = ::jumio_gateway::callbacks;

namespace {

constexpr char kAccount[] = "11111111-2222-3333-4444-555555555555";

// Everything the receiver needs, for the whole process (a fuzz harness).
struct Harness {
  std::unique_ptr<callbacks::SqliteCallbackLog> log;
  std::unique_ptr<callbacks::SourcePolicy> policy;
  std::unique_ptr<callbacks::CallbackUrlIssuer> issuer;
  callbacks::CallbackStats stats;
  std::unique_ptr<callbacks::Receiver> receiver;
  std::string token;  // the valid account token
};

[[noreturn]] void SetupFailed(const std::string& what) {
  std::fprintf(stderr, "callback_receiver_fuzzer: %s\n", what.c_str());
  std::abort();
}

Harness* Setup() {
  auto* h = new Harness;
  // The log lives in tmpfs where there is one: this harness checks request
  // handling, not the disk, and an fsync on a disk still writing back a
  // build's gigabytes once took longer than the harness's 8 s bound.
  // Under Bazel (the corpus test) TEST_TMPDIR is set and cleaned by Bazel.
  const char* base = std::getenv("TEST_TMPDIR");
  if (base == nullptr) {
    base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  }
  static std::string dir;
  dir = std::string(base) + "/callback_receiver_fuzzer.XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) SetupFailed("mkdtemp");
  // libFuzzer ends with exit(): leave nothing behind in tmpfs.
  std::atexit([] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      unlink((dir + "/callbacks.db" + suffix).c_str());
    }
    rmdir(dir.c_str());
  });
  callbacks::SqliteCallbackLog::Options log_options;
  log_options.path = dir + "/callbacks.db";
  auto log = callbacks::SqliteCallbackLog::Open(log_options);
  if (!log.ok()) SetupFailed(log.status().ToString());
  h->log = *std::move(log);
  auto loopback = callbacks::Cidr::ParseList({"127.0.0.0/8"});
  if (!loopback.ok()) SetupFailed(loopback.status().ToString());
  h->policy = std::make_unique<callbacks::SourcePolicy>(
      *loopback, std::vector<callbacks::Cidr>{}, std::vector<std::string>{},
      nullptr);
  auto keys = callbacks::HmacKeyring::FromKeys({std::string(32, 'f')});
  if (!keys.ok()) SetupFailed(keys.status().ToString());
  h->issuer = std::make_unique<callbacks::CallbackUrlIssuer>(
      "https://callbacks.example.com", *std::move(keys), h->log.get());
  const std::string url = h->issuer->UrlForAccount(kAccount);
  h->token = url.substr(url.rfind('/') + 1);

  callbacks::Receiver::Options options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.read_timeout = absl::Seconds(1);
  options.body_timeout = absl::Seconds(1);
  options.idle_timeout = absl::Seconds(1);
  options.default_region = ::jumio::gateway::v1::REGION_AMER_1;
  h->receiver = std::make_unique<callbacks::Receiver>(
      options, h->policy.get(), h->issuer.get(), h->log.get(), &h->stats,
      nullptr, nullptr);
  if (absl::Status started = h->receiver->Start(); !started.ok()) {
    SetupFailed(started.ToString());
  }
  return h;
}

// Sends `request`, half-closes, and reads until the server closes or
// `deadline` passes. Returns false on the deadline (or a failed poll).
bool Exchange(int fd, const std::string& request, absl::Time deadline,
              std::string* response) {
  // libFuzzer's -timeout check is a SIGALRM every few seconds: a system call
  // it interrupts (EINTR) is simply made again.
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may close early (413, 400...): fine
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  char buffer[4096];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready =
        poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready == 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // closed (or reset): done
    if (response->size() < 65536) response->append(buffer, n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* const harness = Setup();
  const std::string request = absl::StrReplaceAll(
      jumio_gateway::fuzz::AsText(data, size), {{"@TOKEN@", harness->token}});
  const int fd = ::jumio::testing::ConnectLoopback(harness->receiver->port());
  JG_FUZZ_CHECK(fd >= 0, "the receiver stopped accepting connections");
  std::string response;
  // Head 1 s + body 1 s, plus slack for a sanitized build on a busy machine.
  const absl::Time start = absl::Now();
  const bool closed =
      Exchange(fd, request, start + absl::Seconds(8), &response);
  close(fd);
  JG_FUZZ_CHECK(closed,
                absl::StrCat("neither answered nor closed within the deadlines "
                             "(gave up after ",
                             absl::FormatDuration(absl::Now() - start), ", ",
                             response.size(), " bytes received)"));
  if (!response.empty()) {
    JG_FUZZ_CHECK(response.size() >= 12 &&
                      response.compare(0, 9, "HTTP/1.1 ") == 0 &&
                      absl::ascii_isdigit(response[9]) &&
                      absl::ascii_isdigit(response[10]) &&
                      absl::ascii_isdigit(response[11]),
                  response.substr(0, 80));
  }
  return 0;
}
