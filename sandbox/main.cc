// jumio-sandbox: a local emulator of the Jumio KYX REST platform. See
// sandbox/README.md.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sandbox/server.h"
#include "server/core/port_file.h"
#include "server/http/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to listen on; port 0 lets the OS choose");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port is written here (atomically) once the "
          "sandbox listens");
ABSL_FLAG(std::string, public_base_url, "",
          "base of every URL the sandbox returns; default http://<listen "
          "host>:<bound port>");
ABSL_FLAG(std::string, client_id, "sandbox-client",
          "OAuth2 client id / Basic user");
ABSL_FLAG(std::string, client_secret, "sandbox-secret",
          "OAuth2 client secret / Basic password");
ABSL_FLAG(absl::Duration, token_ttl, absl::Hours(1),
          "OAuth2 access token lifetime");
ABSL_FLAG(absl::Duration, processing_delay, absl::Milliseconds(200),
          "time from finalize to PROCESSED");
ABSL_FLAG(double, time_scale, 1.0,
          "divides documented expiry times (token ttl, tokenLifetime, 15 min "
          "session timeout)");
ABSL_FLAG(int64_t, max_image_bytes, 5 * 1024 * 1024,
          "largest accepted part upload");
ABSL_FLAG(bool, accept_pdf_parts, false,
          "also accept a PDF (%PDF- magic) as the FRONT/BACK part of an ID or "
          "DOCUMENT credential, as the gateway's max_pdf_bytes path sends");
ABSL_FLAG(bool, rate_limits, true,
          "enforce Jumio's rate limits (token 10/s, account 1/s, "
          "retrieval 15/s)");
ABSL_FLAG(double, account_rate, 1,
          "account create/update requests per second and region (Jumio: 1)");
ABSL_FLAG(int32_t, account_burst, 3,
          "account create/update requests that may go at once (Jumio: short "
          "bursts)");
ABSL_FLAG(std::string, faults, "",
          "initial fault spec (JSON object or array, see README)");
ABSL_FLAG(std::string, callback_faults, "",
          "initial callback faults: JSON {\"dropRate\",\"duplicateRate\","
          "\"delayMs\",\"reorderWindowMs\"} (see README)");
ABSL_FLAG(bool, allow_http_callbacks, false,
          "accept http://127.0.0.1 / localhost callbackUrl values (tests)");
ABSL_FLAG(int32_t, io_threads, 2,
          "HTTP I/O threads (accept, parse, write, latency timers); no "
          "thread is tied to a connection");
ABSL_FLAG(int32_t, handler_threads, 2,
          "threads that run the sandbox's request handling");
ABSL_FLAG(int32_t, max_connections, 16384,
          "connections held at once, in total and per source address");
ABSL_FLAG(uint64_t, seed, 0,
          "seed for ids, tokens and fault draws; 0 = random");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Block the stop signals before any thread exists so that only sigwait below
  // sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // One descriptor per open connection: thousands of them need more than the
  // usual soft limit of 1024.
  auto files = jumio_gateway::http::RaiseOpenFileLimit();
  if (!files.ok()) {
    std::cerr << "jumio-sandbox: " << files.status() << "\n";
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);

  jumio::sandbox::ServerOptions o;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &o.port)) {
    std::cerr << "--listen must be host:port\n";
    return 2;
  }
  o.host = listen.substr(0, colon);
  o.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  o.client_id = absl::GetFlag(FLAGS_client_id);
  o.client_secret = absl::GetFlag(FLAGS_client_secret);
  o.token_ttl = absl::GetFlag(FLAGS_token_ttl);
  o.processing_delay = absl::GetFlag(FLAGS_processing_delay);
  o.time_scale = absl::GetFlag(FLAGS_time_scale);
  if (o.time_scale <= 0) {
    std::cerr << "--time_scale must be positive\n";
    return 2;
  }
  o.max_image_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_image_bytes));
  o.accept_pdf_parts = absl::GetFlag(FLAGS_accept_pdf_parts);
  o.rate_limits = absl::GetFlag(FLAGS_rate_limits);
  o.account_rate = absl::GetFlag(FLAGS_account_rate);
  o.account_burst = absl::GetFlag(FLAGS_account_burst);
  if (o.account_rate <= 0 || o.account_burst < 1) {
    std::cerr << "--account_rate must be positive, --account_burst at least "
                 "1\n";
    return 2;
  }
  o.faults_json = absl::GetFlag(FLAGS_faults);
  o.callback_faults_json = absl::GetFlag(FLAGS_callback_faults);
  o.allow_http_callbacks = absl::GetFlag(FLAGS_allow_http_callbacks);
  o.io_threads = absl::GetFlag(FLAGS_io_threads);
  o.handler_threads = absl::GetFlag(FLAGS_handler_threads);
  o.max_connections = absl::GetFlag(FLAGS_max_connections);
  o.seed = absl::GetFlag(FLAGS_seed);

  jumio::sandbox::SandboxServer server(o);
  auto port = server.Start();
  if (!port.ok()) {
    std::cerr << "jumio-sandbox: " << port.status() << "\n";
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    if (absl::Status written =
            jumio_gateway::core::WritePortFile(port_file, *port);
        !written.ok()) {
      std::cerr << "jumio-sandbox: " << written.message() << "\n";
      return 1;
    }
  }
  std::cerr << "jumio-sandbox listening on " << o.host << ":" << *port
            << " (regions amer-1 emea-1 apac-1; base URL http://" << o.host
            << ":" << *port << "/<region>/<hostkind>)\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "jumio-sandbox: signal " << sig << ", stopping\n";
  server.Stop();
  curl_global_cleanup();
  return 0;
}
