#include "wagate/engine/outcome_waiters.hpp"

namespace wagate::engine {

OutcomeWaiters::OutcomeWaiters(const core::Clock& clock) : clock_(clock), timer_([this] { RunTimer(); }) {}

OutcomeWaiters::~OutcomeWaiters() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  timer_.join();
}

void OutcomeWaiters::Register(const std::string& message_id, int64_t deadline_ms, OutcomeCallback callback) {
  {
    std::lock_guard lock(mu_);
    waiters_[message_id] = Waiter{deadline_ms, std::move(callback)};
    deadlines_.emplace(deadline_ms, message_id);
  }
  cv_.notify_all();
}

void OutcomeWaiters::Complete(const std::string& message_id, const Outcome& outcome) {
  OutcomeCallback cb;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(message_id);
    if (it == waiters_.end()) return;
    cb = std::move(it->second.callback);
    waiters_.erase(it);
  }
  cb(message_id, outcome);
}

void OutcomeWaiters::Cancel(const std::string& message_id) {
  std::lock_guard lock(mu_);
  waiters_.erase(message_id);
}

size_t OutcomeWaiters::Size() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

void OutcomeWaiters::RunTimer() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t now = clock_.NowMs();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      std::string id = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      auto it = waiters_.find(id);
      if (it == waiters_.end() || it->second.deadline_ms > now) continue;
      OutcomeCallback cb = std::move(it->second.callback);
      waiters_.erase(it);
      lock.unlock();
      cb(id, std::nullopt);
      lock.lock();
    }
    // Poll at most every 100 ms so a fake clock moved by tests is noticed too.
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace wagate::engine
