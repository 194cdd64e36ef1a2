#include "server/observability/logger.h"

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace jumio_gateway::observability {
namespace {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kDebug:
      return "DEBUG";
    case Severity::kInfo:
      return "INFO";
    case Severity::kWarning:
      return "WARNING";
    case Severity::kError:
      return "ERROR";
  }
  return "INFO";
}

// "2026-12-03T11:04:24.123Z": RFC 3339 in UTC with milliseconds, written
// by hand because absl::FormatTime parses its format and walks the time zone
// code on every line, and a line is written for every RPC.
void AppendUtcMillis(absl::Time time, std::string& out) {
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  const int64_t millis = absl::ToInt64Milliseconds(
      time - absl::FromCivil(civil, absl::UTCTimeZone()));
  char text[] = "0000-00-00T00:00:00.000Z";
  auto put = [&text](int at, int digits, int64_t value) {
    for (int i = at + digits - 1; i >= at; --i) {
      text[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  const int64_t year = civil.year();
  if (year < 0 || year > 9999) {
    out += absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
    return;
  }
  put(0, 4, year);
  put(5, 2, civil.month());
  put(8, 2, civil.day());
  put(11, 2, civil.hour());
  put(14, 2, civil.minute());
  put(17, 2, civil.second());
  put(20, 3, millis);
  out.append(text, sizeof(text) - 1);
}

}  // namespace

void Logger::Log(Severity severity, absl::string_view message,
                 const std::vector<LogField>& fields) {
  if (severity < min_severity_) return;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("time");
  std::string time;
  AppendUtcMillis(clock_.Now(), time);
  writer.String(time.c_str(), time.size());
  writer.Key("severity");
  writer.String(SeverityName(severity));
  writer.Key("message");
  writer.String(message.data(), message.size());
  for (const auto& [key, value] : fields) {
    writer.Key(key.c_str(), key.size());
    writer.String(value.c_str(), value.size());
  }
  writer.EndObject();
  buffer.Put('\n');
  absl::MutexLock lock(&mu_);
  // One write of the whole line (stderr is unbuffered).
  std::fwrite(buffer.GetString(), 1, buffer.GetSize(), sink_);
  std::fflush(sink_);
}

}  // namespace jumio_gateway::observability
