#include "server/callbacks/hub.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace jumio_gateway::callbacks {

Hub::Hub(CallbackLog* log, Options options)
    : log_(log), options_(std::move(options)) {}

Hub::~Hub() { Stop(); }

void Hub::Start() {
  threads_.emplace_back([this] { WatchLoop(); });
  threads_.emplace_back([this] { DispatchLoop(); });
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

void Hub::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  absl::MutexLock l(&mu_);
  entries_.clear();
  work_.clear();
}

void Hub::Add(std::shared_ptr<Subscriber> subscriber) {
  auto e = std::make_shared<Entry>();
  e->subscriber = std::move(subscriber);
  absl::MutexLock l(&mu_);
  entries_.push_back(std::move(e));
  kicked_ = true;
}

void Hub::Kick() {
  absl::MutexLock l(&mu_);
  kicked_ = true;
}

uint64_t Hub::generation() {
  absl::MutexLock l(&mu_);
  return generation_;
}

int Hub::size() {
  absl::MutexLock l(&mu_);
  return static_cast<int>(entries_.size());
}

void Hub::WatchLoop() {
  std::string head;
  {
    absl::StatusOr<std::string> h = log_->HeadCursor();
    if (h.ok()) head = *h;
  }
  while (true) {
    {
      absl::MutexLock l(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::string> h =
        log_->WaitForNewer(head, options_.wait_slice);
    absl::MutexLock l(&mu_);
    if (!h.ok()) {
      // The log is unreachable: wait a slice (or for Stop) and try again;
      // streams keep their cursors meanwhile.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.wait_slice);
      continue;
    }
    if (*h != head) {
      head = *h;
      ++generation_;
      kicked_ = true;
    }
  }
}

void Hub::DispatchLoop() {
  absl::MutexLock l(&mu_);
  while (!stopping_) {
    auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || kicked_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), options_.tick);
    if (stopping_) break;
    kicked_ = false;
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [](const std::shared_ptr<Entry>& e) {
                                    return !e->queued &&
                                           e->subscriber->Closed();
                                  }),
                   entries_.end());
    for (const std::shared_ptr<Entry>& e : entries_) {
      if (e->queued) {
        e->again = true;
        continue;
      }
      e->queued = true;
      work_.push_back(e);
    }
  }
}

void Hub::WorkerLoop() {
  while (true) {
    std::shared_ptr<Entry> e;
    uint64_t generation;
    {
      absl::MutexLock l(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !work_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      e = work_.front();
      work_.pop_front();
      generation = generation_;
    }
    if (!e->subscriber->Closed()) e->subscriber->Pump(generation);
    absl::MutexLock l(&mu_);
    if (e->again && !stopping_) {
      e->again = false;
      work_.push_back(e);
    } else {
      e->queued = false;
    }
  }
}

}  // namespace jumio_gateway::callbacks
