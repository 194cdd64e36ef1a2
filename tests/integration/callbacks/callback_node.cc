// callback_node: the callback component alone (receiver + CallbackFeedService
// on a gRPC port), so that integration tests and the benchmark exercise the
// real receive -> store -> stream path in a real process that can be killed,
// without depending on how main() wires the full gateway.
//
//   callback_node --port_file=<receiver port> --grpc_port_file=<grpc port>
//                 --store=sqlite --sqlite_path=/tmp/x.db --hmac_key_file=k
//
// The gRPC port file is written first, then the receiver's: once the
// receiver port file exists, both are serving. SIGTERM/SIGINT stop it.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/api/callback_feed_service.h"
#include "server/callbacks/component.h"
#include "server/callbacks/parse.h"
#include "server/core/port_file.h"
#include "server/jumio/codec/json_util.h"
#include "server/observability/logger.h"

ABSL_FLAG(std::string, port_file, "", "Receiver port goes here.");
ABSL_FLAG(std::string, grpc_port_file, "", "gRPC port goes here.");
ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Receiver host.");
ABSL_FLAG(std::string, store, "sqlite", "sqlite or redis.");
ABSL_FLAG(std::string, sqlite_path, "callbacks.db", "SQLite file.");
ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379",
          "host:port or unix:/path.");
ABSL_FLAG(std::string, redis_prefix, "jumio-gateway", "Redis key prefix.");
ABSL_FLAG(std::string, hmac_key_files, "", "Comma-separated key files.");
ABSL_FLAG(std::string, public_base_url, "http://127.0.0.1", "Callback base.");
ABSL_FLAG(std::string, allowed_cidrs, "127.0.0.1/32",
          "Comma-separated sender CIDRs.");
ABSL_FLAG(std::string, trusted_proxies, "", "Comma-separated proxy CIDRs.");
ABSL_FLAG(int64_t, max_body_bytes, 64 * 1024, "Body size limit.");
ABSL_FLAG(absl::Duration, body_timeout, absl::Seconds(10), "Body deadline.");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(5), "Per-read timeout.");
ABSL_FLAG(bool, require_token, true, "Require a URL token.");
ABSL_FLAG(std::string, default_region, "amer-1", "Region without hrefs.");
ABSL_FLAG(absl::Duration, min_ack_deadline, absl::Seconds(10),
          "Lowest accepted ack_deadline (tests lower it).");
ABSL_FLAG(absl::Duration, min_heartbeat, absl::Seconds(5),
          "Lowest accepted heartbeat_interval (tests lower it).");
ABSL_FLAG(int, receiver_threads, 64, "Receiver threads.");

namespace {

std::vector<std::string> List(const std::string& s) {
  return absl::StrSplit(s, ',', absl::SkipEmpty());
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using jumio_gateway::callbacks::CallbackComponent;
  using jumio_gateway::callbacks::CallbackOptions;
  jumio_gateway::observability::Logger logger(stderr);

  // Signals are taken by sigwait below, not by handlers.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  CallbackOptions o;
  o.listen_host = absl::GetFlag(FLAGS_listen_host);
  o.listen_port = 0;
  o.port_file = absl::GetFlag(FLAGS_port_file);
  o.store = absl::GetFlag(FLAGS_store);
  o.sqlite_path = absl::GetFlag(FLAGS_sqlite_path);
  o.redis_address = absl::GetFlag(FLAGS_redis_address);
  o.redis_prefix = absl::GetFlag(FLAGS_redis_prefix);
  o.hmac_key_files = List(absl::GetFlag(FLAGS_hmac_key_files));
  o.public_base_url = absl::GetFlag(FLAGS_public_base_url);
  o.allowed_cidrs = List(absl::GetFlag(FLAGS_allowed_cidrs));
  o.trusted_proxy_cidrs = List(absl::GetFlag(FLAGS_trusted_proxies));
  o.resolve_jumio_hosts = false;  // no DNS in tests
  o.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  o.body_timeout = absl::GetFlag(FLAGS_body_timeout);
  o.read_timeout = absl::GetFlag(FLAGS_read_timeout);
  o.require_token = absl::GetFlag(FLAGS_require_token);
  o.default_region =
      jumio_gateway::codec::RegionFromId(absl::GetFlag(FLAGS_default_region));
  o.receiver_threads = absl::GetFlag(FLAGS_receiver_threads);
  o.feed.min_ack_deadline = absl::GetFlag(FLAGS_min_ack_deadline);
  o.feed.min_heartbeat = absl::GetFlag(FLAGS_min_heartbeat);

  auto component = CallbackComponent::Create(o, &logger);
  if (!component.ok()) {
    logger.Error("cannot create the callback component",
                 {{"error", component.status().ToString()}});
    return 1;
  }
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &grpc_port);
  jumio_gateway::api::CallbackFeedService feed(
      (*component)->log(), (*component)->hub(), &(*component)->stats(),
      (*component)->feed_options());
  builder.RegisterService(&feed);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const std::string grpc_port_file = absl::GetFlag(FLAGS_grpc_port_file);
  if (server == nullptr || grpc_port == 0 ||
      (!grpc_port_file.empty() &&
       !jumio_gateway::core::WritePortFile(grpc_port_file, grpc_port).ok())) {
    logger.Error("cannot start the gRPC server");
    return 1;
  }
  absl::Status started = (*component)->Start();
  if (!started.ok()) {
    logger.Error("cannot start the callback component",
                 {{"error", started.ToString()}});
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  logger.Info("stopping", {{"signal", absl::StrCat(sig)}});
  (*component)->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
