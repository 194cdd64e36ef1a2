// Fan-out of the callback log to open streams. Every stream pulls from the
// log at its own cursor, in batches, only when its previous batch has been
// written: a slow subscriber holds at most one batch in memory and never
// delays ingestion or another subscriber. The hub only tells streams when to
// pull: a watcher thread waits on the log for new appends (for Redis this
// also sees other replicas' appends) and bumps a generation number; a
// dispatcher then lets idle streams pump on a small worker pool, also on a
// tick for heartbeats and ack-deadline redeliveries.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_HUB_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_HUB_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/callbacks/callback_log.h"

namespace jumio_gateway::callbacks {

class Hub {
 public:
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    // Runs on a hub worker, never concurrently for one subscriber.
    // `generation` increases whenever the log's head moves.
    virtual void Pump(uint64_t generation) = 0;
    // Once true, the hub drops the subscriber.
    virtual bool Closed() const = 0;
  };

  struct Options {
    int workers = 2;
    // Streams are also pumped this often without news (heartbeats,
    // redelivery of unacknowledged callbacks).
    absl::Duration tick = absl::Milliseconds(200);
    // Longest single wait on the log; bounds how late Stop() is noticed.
    absl::Duration wait_slice = absl::Milliseconds(500);
  };

  Hub(CallbackLog* log, Options options);
  ~Hub();  // Stop()

  void Start();
  void Stop();

  void Add(std::shared_ptr<Subscriber> subscriber);
  // Something changed (a write finished, an ack arrived): pump soon.
  void Kick();
  uint64_t generation();
  int size();

 private:
  void WatchLoop();
  void DispatchLoop();
  void WorkerLoop();

  CallbackLog* const log_;
  const Options options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool kicked_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  struct Entry {
    std::shared_ptr<Subscriber> subscriber;
    bool queued = false;  // in work_ or being pumped
    bool again = false;   // kicked while queued: pump once more
  };
  std::vector<std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Entry>> work_ ABSL_GUARDED_BY(mu_);

  std::vector<std::thread> threads_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_HUB_H_
