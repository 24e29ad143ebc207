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

  struct Slot {
    int64_t at_us = 0;  // leave no earlier than this
    size_t index = 0;   // where the departure is recorded
    uint64_t generation = 0;
  };

  // Reserves a departure slot at or after `now_us`; the caller sends at `at_us` or later.
  Slot Reserve(int64_t now_us);
  // Records when the request really left (a batch leaves at its latest slot, a busy CPU leaves
  // late): the window must count from the real departure, or the next `limit` requests could
  // follow it within less than a window.
  void Departed(const Slot& slot, int64_t actual_us);
  void Resize(int64_t limit);
  // The window's length (the pacing margin widens and narrows it); applies to the next Reserve.
  void SetWindowUs(int64_t window_us);

 private:
  std::mutex mu_;
  int64_t window_us_;
  std::vector<int64_t> ring_;  // departure times of the last `limit` requests, oldest at next_
  size_t next_ = 0;
  uint64_t generation_ = 0;  // bumped by Resize: older slots no longer name a ring entry
};

}  // namespace wagate::engine
