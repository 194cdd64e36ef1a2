#include "server/core/timer.h"

#include <utility>
#include <vector>

namespace jumio_gateway::core {

TimerThread::TimerThread(const Clock& clock)
    : clock_(clock), thread_([this] { Run(); }) {}

TimerThread::~TimerThread() { Stop(); }

void TimerThread::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    ++generation_;
  }
  thread_.join();
  // Destroyed outside mu_: a task's captures may schedule or cancel.
  std::map<std::pair<absl::Time, TimerId>, Task> dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped.swap(tasks_);
    due_.clear();
  }
}

TimerThread::TimerId TimerThread::Schedule(absl::Time at, Task task) {
  absl::MutexLock lock(&mu_);
  const TimerId id = next_id_++;
  // Stopped: `task`, a parameter, is destroyed after `lock` has released
  // mu_, as Stop destroys its tasks.
  if (stopping_) return id;
  tasks_.emplace(std::make_pair(at, id), std::move(task));
  due_.emplace(id, at);
  ++generation_;
  return id;
}

bool TimerThread::Cancel(TimerId id) {
  Task removed;
  {
    absl::MutexLock lock(&mu_);
    auto due = due_.find(id);
    if (due == due_.end()) return false;
    auto task = tasks_.find({due->second, id});
    removed = std::move(task->second);
    tasks_.erase(task);
    due_.erase(due);
  }
  return true;
}

void TimerThread::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = clock_.Now();
    std::vector<Task> ready;
    while (!tasks_.empty() && tasks_.begin()->first.first <= now) {
      due_.erase(tasks_.begin()->first.second);
      ready.push_back(std::move(tasks_.begin()->second));
      tasks_.erase(tasks_.begin());
    }
    if (!ready.empty()) {
      mu_.Unlock();
      for (Task& task : ready) std::move(task)();
      ready.clear();
      mu_.Lock();
      continue;
    }
    const absl::Time next =
        tasks_.empty() ? absl::InfiniteFuture() : tasks_.begin()->first.first;
    const uint64_t seen = generation_;
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || generation_ != seen;
    };
    clock_.AwaitWithDeadline(mu_, absl::Condition(&changed), next);
  }
}

}  // namespace jumio_gateway::core
