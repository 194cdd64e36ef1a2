// Delivers workflow callbacks (002 "Callback") with libcurl on a worker thread,
// so that a slow or dead receiver never stalls processing. Jumio documents no
// retry policy, so there is none.
#ifndef JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_
#define JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_

#include <deque>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/clock.h"

namespace jumio::sandbox {

class CallbackSender {
 public:
  CallbackSender(const Clock* clock, absl::Duration timeout);
  ~CallbackSender();  // drains nothing: pending callbacks are dropped on
                      // shutdown
  void Enqueue(std::string url, std::string body, std::string workflow_id);
  // {"deliveries":[{"url","workflowExecutionId","httpStatus","error","body","sentAt"}]}
  std::string DeliveriesJson() const;

 private:
  struct Item {
    std::string url, body, workflow_id;
  };
  struct Delivery {
    Item item;
    long http_status = 0;
    std::string error;
    absl::Time sent_at;
  };
  void Run();
  const Clock* clock_;
  const absl::Duration timeout_;
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_
