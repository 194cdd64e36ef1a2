// Runs a function on a thread with a small stack, to prove that code does not
// recurse on its input: a recursive JSON parse of 100,000 '[' needs megabytes
// of stack and crashes on 64 KiB, an iterative one does not notice.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_SMALL_STACK_H_
#define JUMIO_GATEWAY_TESTS_TESTING_SMALL_STACK_H_

#include <pthread.h>

#include <cstddef>
#include <functional>

namespace jumio_gateway::testing {

inline constexpr size_t kSmallStackBytes = size_t{64} << 10;

// Runs `fn` on a new pthread whose stack is `stack_bytes` and waits for it.
// False if the thread could not be started (the test should fail then).
inline bool RunOnSmallStack(const std::function<void()>& fn,
                            size_t stack_bytes = kSmallStackBytes) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  if (pthread_attr_setstacksize(&attr, stack_bytes) != 0) {
    pthread_attr_destroy(&attr);
    return false;
  }
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  const int rc = pthread_create(&thread, &attr, trampoline,
                                const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  if (rc != 0) return false;
  return pthread_join(thread, nullptr) == 0;
}

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_SMALL_STACK_H_
