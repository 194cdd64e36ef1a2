#include "server/observability/readiness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace jumio_gateway::observability {
namespace {

TEST(ReadinessTest, FirstFailingCheckNamesTheVerdictAndListenersHearChanges) {
  Readiness readiness;
  absl::Status token = absl::OkStatus();
  bool draining = false;
  readiness.AddCheck("jumio_token", [&] { return token; });
  readiness.AddCheck("draining", [&] {
    return draining ? absl::UnavailableError("shutting down")
                    : absl::OkStatus();
  });
  std::vector<bool> heard;
  readiness.SetListener([&](bool ready) { heard.push_back(ready); });

  EXPECT_TRUE(readiness.Evaluate().ok());
  EXPECT_TRUE(readiness.Evaluate().ok());
  token = absl::UnavailableError("last token request failed");
  absl::Status verdict = readiness.Evaluate();
  EXPECT_EQ(verdict.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(verdict.message(), "jumio_token: last token request failed");
  EXPECT_EQ(readiness.Current(), verdict);
  token = absl::OkStatus();
  draining = true;
  EXPECT_EQ(readiness.Evaluate().message(), "draining: shutting down");
  // Changes only: ready, unready (token); staying unready (draining) is no
  // change.
  EXPECT_EQ(heard, (std::vector<bool>{true, false}));
}

TEST(ReadinessTest, StartEvaluatesAtOnceAndStopReturnsPromptly) {
  Readiness readiness;
  std::atomic<int> runs{0};
  readiness.AddCheck("counted", [&] {
    ++runs;
    return absl::OkStatus();
  });
  readiness.Start(absl::Hours(1));
  EXPECT_EQ(runs.load(), 1);
  EXPECT_TRUE(readiness.Current().ok());
  readiness.Stop();  // must not wait out the hour
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace jumio_gateway::observability
