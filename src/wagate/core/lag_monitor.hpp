// Watches a process's own scheduling: a thread that should wake every few milliseconds records each
// time it woke late. On a loaded machine or a virtual machine whose hypervisor steals CPU, any thread
// can be descheduled for tens of milliseconds; the episodes measure how long. The gateway sizes its
// pacing margin from them (a request stamped as departed may reach the wire that much later) and
// both the gateway and the sandbox report them, so a test can tell a starved machine from a real
// pacing error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace wagate::core {

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
  // The longest late wake-up at or after `since_ms` (wall clock); 0 when none was recorded.
  int64_t MaxLagSinceMs(int64_t since_ms) const;
  uint64_t EpisodeCount() const { return episode_count_.load(); }

 private:
  void Run();

  const int64_t threshold_ms_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Episode> episodes_;
  std::atomic<int64_t> max_lag_ms_{0};
  std::atomic<uint64_t> episode_count_{0};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wagate::core
