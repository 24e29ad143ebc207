#include "wagate/sandbox/webhooks/delayed_tasks.hpp"

namespace wagate::sandbox {

DelayedTasks::DelayedTasks() : thread_([this] { Run(); }) {}

DelayedTasks::~DelayedTasks() { Stop(); }

void DelayedTasks::RunAfter(std::chrono::milliseconds delay, Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
  }
  cv_.notify_one();
}

void DelayedTasks::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t DelayedTasks::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void DelayedTasks::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      // A copy: wait_until reads the deadline after waking, and Stop() may have freed the task.
      auto due = first->first;
      cv_.wait_until(lock, due);
      continue;
    }
    Task task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace wagate::sandbox
