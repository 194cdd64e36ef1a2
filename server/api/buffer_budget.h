// One gateway-wide bound on the bytes that part uploads and downloads hold in
// memory, and on the number of concurrent upload streams. Each call takes a
// Lease before it buffers anything; a lease that does not fit is refused at
// once (the caller answers RESOURCE_EXHAUSTED with RetryInfo), so the process
// never holds more than `max_bytes` of part data whatever callers send.
//
//   BufferBudget budget({.max_bytes = 256 << 20, .max_uploads = 64});
//   absl::StatusOr<BufferBudget::Lease> lease =
//       budget.Acquire(declared_size, BufferBudget::Kind::kUpload);
//   if (!lease.ok()) return lease.status();   // RESOURCE_EXHAUSTED
//   if (!lease->Resize(pdf_limit)) ...        // grows only if it fits
//   // the lease's destructor gives everything back
//
// Thread-safe; owned by main() (or a test) and injected, never global.
#ifndef JUMIO_GATEWAY_SERVER_API_BUFFER_BUDGET_H_
#define JUMIO_GATEWAY_SERVER_API_BUFFER_BUDGET_H_

#include <cstdint>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace jumio_gateway::api {

class BufferBudget {
 public:
  struct Options {
    // Bytes all leases together may hold. Must be positive.
    int64_t max_bytes = int64_t{256} << 20;
    // Upload leases that may exist at once. Must be positive.
    int max_uploads = 64;
    // The delay put in the RetryInfo of a refusal.
    absl::Duration retry_delay = absl::Seconds(1);
  };

  enum class Kind { kUpload, kDownload };

  // What the budget holds now and what it refused so far (for metrics).
  struct Snapshot {
    int64_t bytes = 0;
    int uploads = 0;
    int downloads = 0;
    uint64_t refused_bytes = 0;    // refusals because the bytes did not fit
    uint64_t refused_streams = 0;  // refusals because of max_uploads
  };

  // A share of the budget; movable, gives its bytes (and its upload slot) back
  // when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease() { Release(); }

    // Changes the lease to `bytes`. Shrinking always succeeds; growing
    // succeeds only when the difference fits in the budget (the lease is left
    // unchanged otherwise).
    bool Resize(int64_t bytes);
    int64_t bytes() const { return bytes_; }
    // Gives everything back now (also done by the destructor).
    void Release();

   private:
    friend class BufferBudget;
    Lease(BufferBudget* budget, int64_t bytes, Kind kind)
        : budget_(budget), bytes_(bytes), kind_(kind) {}
    BufferBudget* budget_ = nullptr;
    int64_t bytes_ = 0;
    Kind kind_ = Kind::kUpload;
  };

  explicit BufferBudget(Options options);
  BufferBudget(const BufferBudget&) = delete;
  BufferBudget& operator=(const BufferBudget&) = delete;
  // Every lease must have been released.
  ~BufferBudget() = default;

  // A lease of `bytes` (>= 0), or RESOURCE_EXHAUSTED with ErrorInfo reason
  // UPLOAD_BUDGET_EXHAUSTED and RetryInfo when the bytes, or (for kUpload) the
  // upload slots, are all taken.
  absl::StatusOr<Lease> Acquire(int64_t bytes, Kind kind);

  // The RESOURCE_EXHAUSTED status Acquire returns, for a Resize that failed.
  absl::Status Exhausted(absl::string_view what) const;

  Snapshot snapshot() const;
  const Options& options() const { return options_; }

 private:
  bool Grow(int64_t delta);
  void Give(int64_t bytes);

  const Options options_;
  mutable absl::Mutex mu_;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int uploads_ ABSL_GUARDED_BY(mu_) = 0;
  int downloads_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t refused_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t refused_streams_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_BUFFER_BUDGET_H_
