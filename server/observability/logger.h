// Structured logs: one JSON object per line on a sink (stderr in production),
// so that log collectors index fields instead of parsing prose. Callers pass
// only fields that are safe to keep; secrets, tokens and personal data must
// never be handed to a Logger.
#ifndef JUMIO_GATEWAY_SERVER_OBSERVABILITY_LOGGER_H_
#define JUMIO_GATEWAY_SERVER_OBSERVABILITY_LOGGER_H_

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace jumio_gateway::observability {

enum class Severity { kDebug, kInfo, kWarning, kError };

// A field of a log line: key and already-safe string value.
using LogField = std::pair<std::string, std::string>;

class Logger {
 public:
  // `sink` and `clock` must outlive the logger; lines are written whole
  // under a lock, so concurrent callers never interleave.
  explicit Logger(std::FILE* sink, Severity min_severity = Severity::kInfo,
                  const core::Clock& clock = core::SystemClock())
      : sink_(sink), min_severity_(min_severity), clock_(clock) {}

  void Log(Severity severity, absl::string_view message,
           const std::vector<LogField>& fields = {});
  void Info(absl::string_view message,
            const std::vector<LogField>& fields = {}) {
    Log(Severity::kInfo, message, fields);
  }
  void Warning(absl::string_view message,
               const std::vector<LogField>& fields = {}) {
    Log(Severity::kWarning, message, fields);
  }
  void Error(absl::string_view message,
             const std::vector<LogField>& fields = {}) {
    Log(Severity::kError, message, fields);
  }

 private:
  std::FILE* const sink_;
  const Severity min_severity_;
  const core::Clock& clock_;
  absl::Mutex mu_;
};

}  // namespace jumio_gateway::observability

#endif  // JUMIO_GATEWAY_SERVER_OBSERVABILITY_LOGGER_H_
