// Watches the sandbox's own scheduling: a thread that should wake every few milliseconds records
// each time it woke late. The sandbox stamps a request's arrival when its thread reads it, so while
// the process is starved of CPU (a loaded or noisy machine) requests that arrived apart get stamped
// together and can look like a throughput burst the sender never made. The episodes let a test tell
// such a measurement artifact from a real pacing error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wagate::sandbox {

class LagMonitor final {
 public:
  struct Episode {
    int64_t at_ms;   // wall clock when the late wake-up happened
    int64_t lag_ms;  // how late it was
  };

  // Records wake-ups later than `threshold_ms`; keeps the latest `keep` episodes.
  explicit LagMonitor(int64_t threshold_ms = 10, size_t keep = 512);
  ~LagMonitor();
  LagMonitor(const LagMonitor&) = delete;
  LagMonitor& operator=(const LagMonitor&) = delete;

  std::vector<Episode> Episodes() const;
  int64_t MaxLagMs() const { return max_lag_ms_.load(); }

 private:
  void Run();

  const int64_t threshold_ms_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Episode> episodes_;
  std::atomic<int64_t> max_lag_ms_{0};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wagate::sandbox
