// Prints the /metrics text of a registry holding every gateway metric, each
// with a few samples, so that `promtool check metrics` can lint the names,
// help texts, types and exposition syntax without a running gateway.
#include <cstdio>

#include "server/observability/gateway_metrics.h"
#include "server/observability/metrics.h"
#include "server/observability/process_metrics.h"

int main() {
  using namespace jumio_gateway::observability;
  Registry registry;
  GatewayMetrics metrics(registry, {"0.1.0", "0123abc"},
                         {"amer-1", "emea-1", "apac-1"});
  metrics.AddGrpcServices(ApiServiceDescriptors());
  ProcessMetrics process(registry);
  process.Update();

  metrics.grpc_server_started
      .WithLabelValues(
          {"unary", "jumio.gateway.v1.AccountService", "GetAccount"})
      .Increment(3);
  metrics.grpc_server_handled
      .WithLabelValues({"unary", "jumio.gateway.v1.AccountService",
                        "GetAccount", "NotFound"})
      .Increment();
  metrics.grpc_server_handling_seconds
      .WithLabelValues(
          {"unary", "jumio.gateway.v1.AccountService", "GetAccount"})
      .Observe(0.042);
  metrics.grpc_server_in_flight
      .WithLabelValues({"jumio.gateway.v1.AccountService", "GetAccount"})
      .Set(2);
  metrics.RecordUpstreamRequest("amer-1", "account_get", "GET", 200,
                                absl::Milliseconds(80));
  metrics.RecordUpstreamRequest("emea-1", "retrieval_workflow_details", "GET",
                                503, absl::Seconds(2));
  metrics.upstream_retries.WithLabelValues({"emea-1", "account_get"})
      .Increment();
  metrics.RecordTokenRefresh("amer-1", true);
  metrics.callbacks_received.Add({}).Increment(5);
  metrics.callbacks_rejected.WithLabelValues({kCallbackRejectTooLarge})
      .Increment();
  metrics.callbacks_stored.Add({}).Increment(4);
  metrics.callbacks_delivered.Add({}).Increment(4);
  metrics.callback_subscribers.Add({}).Set(1);
  metrics.callback_log_backlog.Add({}).Set(0);

  const std::string text = SerializeText(registry.Collect());
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
