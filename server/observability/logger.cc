#include "server/observability/logger.h"

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

}  // namespace

void Logger::Log(Severity severity, absl::string_view message,
                 const std::vector<LogField>& fields) {
  if (severity < min_severity_) return;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("time");
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                            clock_.Now(), absl::UTCTimeZone());
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
  absl::MutexLock lock(&mu_);
  std::fprintf(sink_, "%s\n", buffer.GetString());
  std::fflush(sink_);
}

}  // namespace jumio_gateway::observability
