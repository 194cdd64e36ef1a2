#include "server/api/buffer_budget.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {

BufferBudget::Lease& BufferBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    kind_ = other.kind_;
  }
  return *this;
}

bool BufferBudget::Lease::Resize(int64_t bytes) {
  if (budget_ == nullptr || bytes < 0) return false;
  if (bytes > bytes_) {
    if (!budget_->Grow(bytes - bytes_)) return false;
  } else if (bytes < bytes_) {
    budget_->Give(bytes_ - bytes);
  }
  bytes_ = bytes;
  return true;
}

void BufferBudget::Lease::Release() {
  if (budget_ == nullptr) return;
  BufferBudget* budget = std::exchange(budget_, nullptr);
  const int64_t bytes = std::exchange(bytes_, 0);
  absl::MutexLock lock(&budget->mu_);
  budget->bytes_ -= bytes;
  if (kind_ == Kind::kUpload) {
    --budget->uploads_;
  } else {
    --budget->downloads_;
  }
}

BufferBudget::BufferBudget(Options options) : options_(std::move(options)) {}

absl::StatusOr<BufferBudget::Lease> BufferBudget::Acquire(int64_t bytes,
                                                          Kind kind) {
  if (bytes < 0) bytes = 0;
  {
    absl::MutexLock lock(&mu_);
    if (kind == Kind::kUpload && uploads_ >= options_.max_uploads) {
      ++refused_streams_;
      return Exhausted(absl::StrCat("the gateway is already receiving ",
                                    options_.max_uploads,
                                    " uploads (max_concurrent_uploads)"));
    }
    if (bytes > options_.max_bytes - bytes_) {
      ++refused_bytes_;
      return Exhausted(
          "the gateway's upload buffer is full (upload_buffer_budget_bytes)");
    }
    bytes_ += bytes;
    if (kind == Kind::kUpload) {
      ++uploads_;
    } else {
      ++downloads_;
    }
  }
  return Lease(this, bytes, kind);
}

absl::Status BufferBudget::Exhausted(absl::string_view what) const {
  absl::Status status =
      errors::Error(absl::StatusCode::kResourceExhausted,
                    ::jumio::gateway::v1::ERROR_REASON_UPLOAD_BUDGET_EXHAUSTED,
                    absl::StrCat(what, "; retry later"),
                    {{"limitBytes", absl::StrCat(options_.max_bytes)}});
  errors::SetRetryDelay(status, options_.retry_delay);
  return status;
}

bool BufferBudget::Grow(int64_t delta) {
  absl::MutexLock lock(&mu_);
  if (delta > options_.max_bytes - bytes_) {
    ++refused_bytes_;
    return false;
  }
  bytes_ += delta;
  return true;
}

void BufferBudget::Give(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  bytes_ -= bytes;
}

BufferBudget::Snapshot BufferBudget::snapshot() const {
  absl::MutexLock lock(&mu_);
  Snapshot snapshot;
  snapshot.bytes = bytes_;
  snapshot.uploads = uploads_;
  snapshot.downloads = downloads_;
  snapshot.refused_bytes = refused_bytes_;
  snapshot.refused_streams = refused_streams_;
  return snapshot;
}

}  // namespace jumio_gateway::api
