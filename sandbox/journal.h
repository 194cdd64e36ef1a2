// A bounded record of the Jumio API requests the sandbox received, so that a
// test can assert exactly what a client sent. Secrets never enter it:
// Authorization values and client secrets are redacted before an entry is
// stored.
#ifndef JUMIO_GATEWAY_SANDBOX_JOURNAL_H_
#define JUMIO_GATEWAY_SANDBOX_JOURNAL_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace jumio::sandbox {

struct JournalEntry {
  uint64_t seq = 0;
  absl::Time time;
  std::string method;
  std::string target;  // the path as received, with the /<region>/<hostkind>
                       // prefix if any
  std::string path;    // the Jumio path (prefix removed)
  std::string query;
  std::string region;
  std::string host_kind;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // text bodies up to 16 KiB, redacted; empty for multipart
  size_t body_bytes = 0;
};

struct JournalFilter {
  std::string region;
  std::string host_kind;
  std::string method;
  std::string path_prefix;
  uint64_t after_seq = 0;
  size_t limit = 1000;
};

class Journal {
 public:
  explicit Journal(size_t capacity) : capacity_(capacity) {}
  void Add(JournalEntry entry);
  std::string ToJson(const JournalFilter& filter) const;
  void Clear();

  // Redaction helpers, public so that tests can check them directly.
  static std::string RedactHeader(const std::string& name,
                                  const std::string& value);
  static std::string RedactBody(const std::string& content_type,
                                const std::string& body);

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<JournalEntry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_JOURNAL_H_
