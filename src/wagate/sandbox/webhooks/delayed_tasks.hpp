// Runs callbacks later on one timer thread, so a handler can answer after a delay without sleeping
// on an HTTP worker (the sandbox's simulated timeouts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace wagate::sandbox {

// Thread-safe. Tasks must be short (they run on the timer thread). Stop() discards tasks not yet due.
class DelayedTasks final {
 public:
  using Task = std::function<void()>;

  DelayedTasks();
  ~DelayedTasks();
  DelayedTasks(const DelayedTasks&) = delete;
  DelayedTasks& operator=(const DelayedTasks&) = delete;

  void RunAfter(std::chrono::milliseconds delay, Task task);
  void Stop();
  size_t pending() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wagate::sandbox
