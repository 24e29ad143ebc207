// One vocabulary for background work: a named thread that runs a step when woken or when its period
// is up, waiting through the injected clock (a FakeClock wakes it when a test moves time), and that
// stops one way: a step in progress finishes, no step starts after Stop(). Each user states what its
// step leaves behind when stopped ("finish or return to queue", docs/architecture.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "wagate/core/clock.hpp"

namespace wagate::core {

// Thread-safe: Wake() and Stop() from any thread. The step runs on the worker's own thread only.
class Worker final {
 public:
  using Step = std::function<void()>;

  // `period`: the longest time between two steps (0: steps run only when woken).
  Worker(std::string name, const Clock& clock, std::chrono::milliseconds period, Step step);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();
  // Asks for a step soon; wakes coalesce (several before a step runs make one step).
  void Wake();
  // Lets a step in progress finish, then joins. Idempotent; the worker cannot be restarted.
  void Stop();

 private:
  void Run();

  const std::string name_;
  const Clock& clock_;
  const std::chrono::milliseconds period_;
  const Step step_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = true;  // the first step runs at once
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wagate::core
