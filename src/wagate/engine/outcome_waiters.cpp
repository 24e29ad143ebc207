#include "wagate/engine/outcome_waiters.hpp"

#include <algorithm>
#include <vector>

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
    uint64_t ticket = ++next_ticket_;
    waiters_.emplace(message_id, Waiter{deadline_ms, ticket, std::move(callback)});
    deadlines_.emplace(deadline_ms, std::make_pair(message_id, ticket));
  }
  cv_.notify_all();
}

void OutcomeWaiters::Complete(const std::string& message_id, const Outcome& outcome) {
  std::vector<OutcomeCallback> callbacks;
  {
    std::lock_guard lock(mu_);
    auto [first, last] = waiters_.equal_range(message_id);
    for (auto it = first; it != last; ++it) callbacks.push_back(std::move(it->second.callback));
    waiters_.erase(first, last);
  }
  for (auto& cb : callbacks) cb(message_id, outcome);
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
      auto [id, ticket] = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      auto [first, last] = waiters_.equal_range(id);
      auto it = std::find_if(first, last, [t = ticket](const auto& kv) { return kv.second.ticket == t; });
      if (it == last) continue;  // completed already
      OutcomeCallback cb = std::move(it->second.callback);
      waiters_.erase(it);
      lock.unlock();
      cb(id, std::nullopt);
      lock.lock();
    }
    // Until the earliest deadline, one registered earlier than it, or Stop. Waiting through the
    // clock lets a fake clock moved by tests wake this thread: no polling.
    core::TimePoint next = deadlines_.empty() ? core::TimePoint::max() : core::FromUnixMs(deadlines_.begin()->first);
    clock_.WaitUntil(cv_, lock, next, [&] {
      return stopping_ || (!deadlines_.empty() && core::FromUnixMs(deadlines_.begin()->first) < next);
    });
  }
}

}  // namespace wagate::engine
