// A fixed set of threads for blocking work that must not run where it was
// requested: gRPC callback handlers run on gRPC's own threads (sometimes
// inline on its polling thread), so a slow store read there would hold up
// unrelated RPCs. The queue is bounded, so a stalled dependency turns into a
// refusal instead of unbounded memory.
#ifndef JUMIO_GATEWAY_SERVER_CORE_WORKER_POOL_H_
#define JUMIO_GATEWAY_SERVER_CORE_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace jumio_gateway::core {

class WorkerPool {
 public:
  // `threads` >= 1 run the tasks; at most `max_queued` wait for one.
  WorkerPool(int threads, size_t max_queued);
  // Runs every task already accepted, then joins the threads.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped unrun) when `max_queued` tasks
  // are already waiting.
  [[nodiscard]] bool TrySubmit(absl::AnyInvocable<void() &&> task);

 private:
  void Loop();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_WORKER_POOL_H_
