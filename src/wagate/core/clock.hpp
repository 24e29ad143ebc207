// Time source injected into everything that schedules, paces, waits or stamps, so tests move time by hand.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace wagate::core {

using TimePoint = std::chrono::system_clock::time_point;
using SteadyTimePoint = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Milliseconds since the Unix epoch: the unit stored in the database and printed in logs.
inline int64_t ToUnixMs(TimePoint t) { return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count(); }
inline TimePoint FromUnixMs(int64_t ms) { return TimePoint(Millis(ms)); }
// Microseconds since the Unix epoch: pacing and arrival stamps, where milliseconds round away rate.
inline int64_t ToUnixUs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixUs(int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

// A wait's "nothing else to wake for" condition, checked under the waiter's lock.
using WakePredicate = std::function<bool()>;

// Thread-safe. Waits go through the clock so that a fake clock can wake them when a test moves time:
// code that waits never calls sleep_for or wait_for itself.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time: what is stored and shown, and what the engine's schedules are written in.
  virtual TimePoint Now() const = 0;
  // Monotonic time, for measuring durations (an NTP step never makes one negative or huge).
  virtual SteadyTimePoint SteadyNow() const = 0;
  int64_t NowMs() const { return ToUnixMs(Now()); }
  int64_t NowUs() const { return ToUnixUs(Now()); }

  // Blocks on `cv` (`lock` held on entry and on return) until `pred()` holds or Now() reaches
  // `deadline` (TimePoint::max(): no deadline). Returns pred(). Like condition_variable::wait_until,
  // the lock may be released meanwhile, so the caller re-reads what it guards afterwards.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                         const WakePredicate& pred) const = 0;
  // Blocks the calling thread until Now() reaches `deadline`.
  virtual void SleepUntil(TimePoint deadline) const = 0;
};

// The real clocks. Deadlines are wall time turned into a relative wait, re-read at least every
// second, so a step of the system clock moves a wake-up by at most a second.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  SteadyTimePoint SteadyNow() const override { return std::chrono::steady_clock::now(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                 const WakePredicate& pred) const override;
  void SleepUntil(TimePoint deadline) const override;
};

// Thread-safe fake: tests set and advance it explicitly (microsecond resolution). Threads waiting on
// it block without a timeout and are woken by Advance/SetMs, so no test ever waits in real time for
// simulated time to pass. Advance and SetMs must not be called while holding a mutex some waiter
// waits with (they take it, to hand the wake-up over without a race).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  TimePoint Now() const override { return FromUnixUs(now_us_.load()); }
  SteadyTimePoint SteadyNow() const override {
    return SteadyTimePoint(
        std::chrono::duration_cast<SteadyTimePoint::duration>(std::chrono::microseconds(steady_us_.load())));
  }
  // Moves both wall and monotonic time forward and wakes the waiters whose deadline passed.
  void Advance(std::chrono::microseconds d);
  // Steps wall time only (monotonic time never goes back), as an NTP step would.
  void SetMs(int64_t ms);

  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                 const WakePredicate& pred) const override;
  void SleepUntil(TimePoint deadline) const override;

  // For tests that run a component in simulated time: true when at least `threads` threads wait on
  // this clock and none of them has its predicate true (all of them wait for time to pass).
  bool AllWaiting(size_t threads) const;
  // The earliest deadline among the waiting threads (nullopt: none waits with a deadline).
  std::optional<TimePoint> NextDeadline() const;

 private:
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mu;
    TimePoint deadline;
    const WakePredicate* pred;
    bool awake = false;  // woken and about to leave (guarded by *mu)
  };
  void WakeAll();
  std::shared_ptr<Waiter> Register(std::condition_variable& cv, std::mutex& mu, TimePoint deadline,
                                   const WakePredicate& pred) const;
  void Unregister(const std::shared_ptr<Waiter>& w) const;

  std::atomic<int64_t> now_us_;
  std::atomic<int64_t> steady_us_{0};
  // Lock order: a waiter's own mutex, then registry_mu_. visit_mu_ is held while a thread touches
  // registered waiters from outside (waking them, reading their predicates); it comes before the
  // waiters' mutexes, and a waiter leaving takes it alone, so its cv and mutex outlive every visit.
  mutable std::mutex visit_mu_;
  mutable std::mutex registry_mu_;
  mutable std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace wagate::core
