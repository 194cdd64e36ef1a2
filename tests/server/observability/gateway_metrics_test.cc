#include "server/observability/gateway_metrics.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace jumio_gateway::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const MetricFamilySnapshot* Find(const std::vector<MetricFamilySnapshot>& all,
                                 const std::string& name) {
  for (const auto& family : all) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

TEST(GatewayMetricsTest, RegistersEveryDesignMetric) {
  Registry registry;
  GatewayMetrics metrics(registry, {"1.2.3", "abc"}, {"amer-1"});
  const auto families = registry.Collect();
  for (const char* name : {"grpc_server_started_total",
                           "grpc_server_handled_total",
                           "grpc_server_handling_seconds",
                           "grpc_server_in_flight_rpcs",
                           "jumio_upstream_requests_total",
                           "jumio_upstream_request_duration_seconds",
                           "jumio_upstream_retries_total",
                           "jumio_token_refreshes_total",
                           "jumio_circuit_state",
                           "jumio_upstream_attempts_total",
                           "jumio_upstream_retry_budget_exhausted_total",
                           "jumio_upstream_shed_total",
                           "jumio_upstream_ratelimit_waits_total",
                           "jumio_upstream_ratelimit_wait_seconds",
                           "jumio_upstream_ratelimit_refused_total",
                           "jumio_upstream_ratelimit_redis_fallback_total",
                           "jumio_callbacks_received_total",
                           "jumio_callbacks_rejected_total",
                           "jumio_callbacks_stored_total",
                           "jumio_callbacks_delivered_total",
                           "jumio_callbacks_unreadable_total",
                           "jumio_callback_subscribers",
                           "jumio_callback_log_backlog",
                           "jumio_gateway_build_info"}) {
    EXPECT_NE(Find(families, name), nullptr) << name;
  }
}

TEST(GatewayMetricsTest, BuildInfoIsOne) {
  Registry registry;
  GatewayMetrics metrics(registry, {"1.2.3", "abc"}, {});
  const std::string text = SerializeText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("jumio_gateway_build_info{version=\"1.2.3\","
                              "revision=\"abc\",grpc_version=\""));
  const auto families = registry.Collect();
  const MetricFamilySnapshot* info = Find(families, "jumio_gateway_build_info");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->samples.size(), 1u);
  EXPECT_EQ(info->samples[0].value, 1);
}

TEST(GatewayMetricsTest, PreCreatesGrpcSeriesForEveryApiMethod) {
  Registry registry;
  GatewayMetrics metrics(registry, {"v", "r"}, {});
  const auto services = ApiServiceDescriptors();
  std::set<std::string> names;
  int methods = 0;
  for (const auto* service : services) {
    names.insert(service->full_name());
    methods += service->method_count();
  }
  EXPECT_EQ(names, (std::set<std::string>{
                       "jumio.gateway.v1.AccountService",
                       "jumio.gateway.v1.CallbackFeedService",
                       "jumio.gateway.v1.CredentialService",
                       "jumio.gateway.v1.PlatformService",
                       "jumio.gateway.v1.WorkflowExecutionService"}));
  metrics.AddGrpcServices(services);

  const auto families = registry.Collect();
  const MetricFamilySnapshot* handled =
      Find(families, "grpc_server_handled_total");
  ASSERT_NE(handled, nullptr);
  // Every API method plus health Check/Watch and reflection.
  EXPECT_EQ(handled->samples.size(), static_cast<size_t>(methods + 3));
  const std::string text = SerializeText(families);
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"jumio.gateway.v1.AccountService\","
                        "grpc_method=\"GetAccount\",grpc_code=\"OK\"} "
                        "0\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_started_total{grpc_type=\"client_stream\","
                        "grpc_service=\"jumio.gateway.v1.CredentialService\","
                        "grpc_method=\"UploadCredentialPart\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "grpc_server_handling_seconds_count{grpc_type=\"server_stream\","
          "grpc_service=\"jumio.gateway.v1.CallbackFeedService\","
          "grpc_method=\"WatchCallbacks\"} 0\n"));
  EXPECT_TRUE(
      metrics.IsKnownGrpcMethod("/jumio.gateway.v1.AccountService/GetAccount"));
  EXPECT_TRUE(metrics.IsKnownGrpcMethod("/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(
      metrics.IsKnownGrpcMethod("/jumio.gateway.v1.AccountService/Nope"));
}

TEST(GatewayMetricsTest, GrpcMethodSeriesAreTheRegisteredOnesOrUnknown) {
  Registry registry;
  GatewayMetrics metrics(registry, {"v", "r"}, {"amer-1"});
  metrics.AddGrpcMethod("jumio.gateway.v1.AccountService", "GetAccount",
                        "unary");
  GrpcMethodSeries& known = metrics.GrpcMethod(
      "/jumio.gateway.v1.AccountService/GetAccount", "unary");
  EXPECT_EQ(&known,
            &metrics.GrpcMethod("/jumio.gateway.v1.AccountService/GetAccount",
                                "unary"));
  EXPECT_EQ(known.service(), "jumio.gateway.v1.AccountService");
  EXPECT_EQ(known.method(), "GetAccount");
  known.started().Increment();
  known.Handled(5, "NotFound").Increment();
  known.Handled(5, "NotFound").Increment();
  known.Handled(99, "Unknown").Increment();  // out of range counts as UNKNOWN

  // A method nobody registered, whatever its name, lands on "unknown".
  GrpcMethodSeries& unknown =
      metrics.GrpcMethod("/evil.Service/Method-1", "bidi_stream");
  EXPECT_EQ(&unknown,
            &metrics.GrpcMethod("/evil.Service/Method-2", "bidi_stream"));
  EXPECT_NE(&unknown, &metrics.GrpcMethod("/evil.Service/Method-2", "unary"));
  EXPECT_NE(&unknown, &metrics.GrpcMethod("?bidi_stream", "unary"));
  unknown.started().Increment();

  const std::string text = SerializeText(registry.Collect());
  EXPECT_THAT(text,
              HasSubstr("grpc_server_started_total{grpc_type=\"unary\","
                        "grpc_service=\"jumio.gateway.v1.AccountService\","
                        "grpc_method=\"GetAccount\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"jumio.gateway.v1.AccountService\","
                        "grpc_method=\"GetAccount\",grpc_code=\"NotFound\"} "
                        "2\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_type=\"unary\","
                        "grpc_service=\"jumio.gateway.v1.AccountService\","
                        "grpc_method=\"GetAccount\",grpc_code=\"Unknown\"} "
                        "1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_type=\"bidi_"
                              "stream\",grpc_service=\"unknown\","
                              "grpc_method=\"unknown\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("evil")));
  // Only the codes returned have series (OK from the start).
  EXPECT_THAT(text, Not(HasSubstr("grpc_code=\"Internal\"")));
}

TEST(GatewayMetricsTest, PerRegionAndReasonSeriesStartAtZero) {
  Registry registry;
  GatewayMetrics metrics(registry, {"v", "r"}, {"amer-1", "emea-1"});
  const std::string text = SerializeText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("jumio_token_refreshes_total{region=\"emea-1\","
                              "result=\"failure\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_circuit_state{region=\"amer-1\","
                              "host_kind=\"retrieval\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_upstream_shed_total{region=\"emea-1\","
                              "host_kind=\"account\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_upstream_retry_budget_exhausted_total{"
                              "region=\"emea-1\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_upstream_ratelimit_refused_total{region="
                              "\"emea-1\",class=\"account_write\",reason="
                              "\"queue_full\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("jumio_upstream_ratelimit_redis_fallback_total{region="
                        "\"amer-1\",class=\"retrieval\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_rejected_total{reason=\""
                              "source_not_allowed\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_rejected_total{reason=\""
                              "unstorable\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callbacks_received_total 0\n"));
  EXPECT_THAT(text, HasSubstr("jumio_callback_log_backlog 0\n"));
}

TEST(GatewayMetricsTest, Conveniences) {
  Registry registry;
  GatewayMetrics metrics(registry, {"v", "r"}, {"amer-1"});
  metrics.RecordUpstreamRequest("amer-1", "retrieval_workflow_details", "GET",
                                200, absl::Milliseconds(30));
  metrics.RecordUpstreamRequest("amer-1", "retrieval_workflow_details", "GET",
                                503, absl::Milliseconds(5));
  metrics.RecordTokenRefresh("amer-1", false);
  metrics.SetCircuitState("amer-1", "retrieval", CircuitState::kOpen);
  const std::string text = SerializeText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("jumio_upstream_requests_total{region=\"amer-1\","
                              "endpoint=\"retrieval_workflow_details\","
                              "method=\"GET\",status_code=\"503\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("jumio_upstream_request_duration_seconds_count{"
                              "region=\"amer-1\",endpoint=\"retrieval_"
                              "workflow_details\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("jumio_token_refreshes_total{region=\"amer-1\","
                              "result=\"failure\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("jumio_circuit_state{region=\"amer-1\","
                              "host_kind=\"retrieval\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("jumio_circuit_state{region=\"amer-1\","
                              "host_kind=\"api\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("status_code=\"200\"} 2")));
}

}  // namespace
}  // namespace jumio_gateway::observability
