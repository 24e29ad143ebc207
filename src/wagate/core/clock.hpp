// Time source injected into everything that schedules, paces or stamps, so tests move time by hand.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace wagate::core {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

// Milliseconds since the Unix epoch: the unit stored in the database and printed in logs.
inline int64_t ToUnixMs(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMs(int64_t ms) { return TimePoint(Millis(ms)); }
// Microseconds since the Unix epoch: pacing and arrival stamps, where milliseconds round away rate.
inline int64_t ToUnixUs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  int64_t NowMs() const { return ToUnixMs(Now()); }
  int64_t NowUs() const { return ToUnixUs(Now()); }
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// Thread-safe fake: tests set and advance it explicitly (microsecond resolution).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  TimePoint Now() const override {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(now_us_.load())));
  }
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }
  void SetMs(int64_t ms) { now_us_ = ms * 1000; }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace wagate::core
