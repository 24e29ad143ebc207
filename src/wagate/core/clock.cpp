#include "wagate/core/clock.hpp"

#include <algorithm>
#include <thread>

namespace wagate::core {
namespace {

// The longest a real wait trusts a wall-clock deadline before reading the clock again.
constexpr auto kMaxRealWait = std::chrono::seconds(1);

}  // namespace

bool SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                            const WakePredicate& pred) const {
  while (!pred()) {
    TimePoint now = Now();
    if (now >= deadline) return false;
    if (deadline == TimePoint::max()) {
      cv.wait(lock);
    } else {
      cv.wait_for(lock, deadline > now + kMaxRealWait ? kMaxRealWait : deadline - now);
    }
  }
  return true;
}

void SystemClock::SleepUntil(TimePoint deadline) const {
  for (TimePoint now = Now(); now < deadline; now = Now()) {
    std::this_thread::sleep_for(deadline > now + kMaxRealWait ? kMaxRealWait : deadline - now);
  }
}

void FakeClock::Advance(std::chrono::microseconds d) {
  std::lock_guard visit(visit_mu_);
  steady_us_ += d.count();
  now_us_ += d.count();
  WakeAll();
}

void FakeClock::SetMs(int64_t ms) {
  std::lock_guard visit(visit_mu_);
  now_us_ = ms * 1000;
  WakeAll();
}

// Under visit_mu_. Taking each waiter's mutex before notifying closes the gap between a waiter
// reading the time and blocking: it holds that mutex from the one to the other.
void FakeClock::WakeAll() {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard registry(registry_mu_);
    waiters = waiters_;
  }
  for (const auto& w : waiters) {
    { std::lock_guard hand_over(*w->mu); }
    w->cv->notify_all();
  }
}

std::shared_ptr<FakeClock::Waiter> FakeClock::Register(std::condition_variable& cv, std::mutex& mu, TimePoint deadline,
                                                       const WakePredicate& pred) const {
  auto w = std::make_shared<Waiter>(Waiter{&cv, &mu, deadline, &pred});
  std::lock_guard registry(registry_mu_);
  waiters_.push_back(w);
  return w;
}

void FakeClock::Unregister(const std::shared_ptr<Waiter>& w) const {
  {
    std::lock_guard registry(registry_mu_);
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), w));
  }
  // A visit that copied this waiter before it left ends before the waiter's cv and mutex may go.
  std::lock_guard barrier(visit_mu_);
}

bool FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                          const WakePredicate& pred) const {
  while (!pred()) {
    // Registered before reading the time: an Advance that the read misses finds us registered, and
    // needs our mutex (held until cv.wait releases it) to wake us.
    std::shared_ptr<Waiter> w = Register(cv, *lock.mutex(), deadline, pred);
    bool expired = Now() >= deadline;
    if (!expired) {
      cv.wait(lock);
      w->awake = true;
    }
    lock.unlock();
    Unregister(w);
    lock.lock();
    if (expired) return pred();
  }
  return true;
}

void FakeClock::SleepUntil(TimePoint deadline) const {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  WaitUntil(cv, lock, deadline, [] { return false; });
}

bool FakeClock::AllWaiting(size_t threads) const {
  std::lock_guard visit(visit_mu_);
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard registry(registry_mu_);
    waiters = waiters_;
  }
  if (waiters.size() < threads) return false;
  for (const auto& w : waiters) {
    std::lock_guard lock(*w->mu);
    if (w->awake || Now() >= w->deadline || (*w->pred)()) return false;
  }
  return true;
}

std::optional<TimePoint> FakeClock::NextDeadline() const {
  std::lock_guard registry(registry_mu_);
  std::optional<TimePoint> next;
  for (const auto& w : waiters_) {
    if (w->deadline != TimePoint::max() && (!next || w->deadline < *next)) next = w->deadline;
  }
  return next;
}

}  // namespace wagate::core
