// The last line of throughput pacing: at most `limit` requests leave for Graph in any sliding
// window (Meta's per-number count), measured when they actually leave. The lane's token bucket
// paces when messages are *taken*; a slow commit between taking and sending can bunch them, and
// this window spreads them out again.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace wagate::engine {

// Thread-safe: the workers sending one lane's messages share it.
class SendWindow final {
 public:
  SendWindow(int64_t limit, int64_t window_us) : window_us_(window_us) { Resize(limit); }

  // Reserves a departure slot at or after `now_us` and returns it; the caller sends at that time.
  int64_t Reserve(int64_t now_us);
  void Resize(int64_t limit);

 private:
  std::mutex mu_;
  int64_t window_us_;
  std::vector<int64_t> ring_;  // departure times of the last `limit` requests, oldest at next_
  size_t next_ = 0;
};

}  // namespace wagate::engine
