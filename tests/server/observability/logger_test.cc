#include "server/observability/logger.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "tests/testing/fake_clock.h"

namespace jumio_gateway::observability {
namespace {

class CapturedLog {
 public:
  CapturedLog() : file_(open_memstream(&data_, &size_)) {}
  ~CapturedLog() {
    std::fclose(file_);
    std::free(data_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

TEST(LoggerTest, WritesOneParsableJsonObjectPerLine) {
  CapturedLog log;
  testing::FakeClock clock(absl::FromUnixSeconds(1700000000));
  Logger logger(log.file(), Severity::kInfo, clock);
  logger.Info("rpc done \"quoted\"\n", {{"method", "CreateAccount"}});
  const std::string text = log.text();
  ASSERT_EQ(text.back(), '\n');
  ASSERT_EQ(text.find('\n'), text.size() - 1) << "exactly one line";
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_STREQ(doc["message"].GetString(), "rpc done \"quoted\"\n");
  EXPECT_STREQ(doc["severity"].GetString(), "INFO");
  EXPECT_STREQ(doc["method"].GetString(), "CreateAccount");
  EXPECT_STREQ(doc["time"].GetString(), "2023-11-14T22:13:20.000Z");
}

// The time is written by hand (absl::FormatTime per line was a cost on the
// hot path): it must read exactly as FormatTime's RFC 3339 spelling.
TEST(LoggerTest, TimeIsRfc3339UtcWithMillisecondsAtEveryInstant) {
  const absl::Time instants[] = {
      absl::UnixEpoch(),
      absl::FromUnixMillis(1700000000999),
      absl::FromUnixMicros(1764806400000999),  // 2025-12-04, a sub-ms part
      absl::FromUnixSeconds(951782400),        // 2000-02-29, a leap day
      absl::FromUnixSeconds(-1),               // 1969-12-31T23:59:59
      absl::FromUnixMillis(-1),                // 1969-12-31T23:59:59.999
      absl::FromUnixSeconds(253402300799),     // 9999-12-31T23:59:59
      absl::FromUnixSeconds(253402300800),     // 10000: the fallback
  };
  for (absl::Time at : instants) {
    CapturedLog log;
    testing::FakeClock clock(at);
    Logger logger(log.file(), Severity::kInfo, clock);
    logger.Info("tick");
    rapidjson::Document doc;
    doc.Parse(log.text().c_str());
    ASSERT_FALSE(doc.HasParseError());
    EXPECT_EQ(std::string(doc["time"].GetString()),
              absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", at, absl::UTCTimeZone()))
        << absl::ToUnixMicros(at);
  }
}

TEST(LoggerTest, DropsLinesBelowTheMinimumSeverity) {
  CapturedLog log;
  Logger logger(log.file(), Severity::kWarning);
  logger.Info("quiet");
  logger.Error("loud");
  const std::string text = log.text();
  EXPECT_EQ(text.find("quiet"), std::string::npos);
  EXPECT_NE(text.find("loud"), std::string::npos);
}

}  // namespace
}  // namespace jumio_gateway::observability
