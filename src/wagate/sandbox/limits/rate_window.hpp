// At most `limit` requests per key in any sliding window: Meta's throughput per phone number (1 s), and
// its management-call limit per WABA (1 h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wagate/core/clock.hpp"

namespace wagate::sandbox {

// Thread-safe: called from every HTTP worker. Keeps the arrival times of the last window per key, so
// memory is O(limit) per active key.
class RateWindow final {
 public:
  RateWindow(const core::Clock& clock, int64_t limit, std::chrono::microseconds window = std::chrono::seconds(1));

  // Counts the request and returns true when the number is still under its limit; a refused request
  // is not counted, so a client that backs off gets through once the window slides.
  // `arrival_us` is when the request reached the sandbox, in µs since the epoch (0 = now): Meta
  // counts arrivals, and a request that waited for a busy worker must not be counted as arriving late.
  bool TryAcquire(std::string_view phone_number_id, int64_t arrival_us = 0);
  // 0 turns the limit off. Takes effect for the next request.
  void SetLimit(int64_t limit);
  int64_t limit() const;

 private:
  const core::Clock& clock_;
  const int64_t window_us_;
  mutable std::mutex mu_;
  int64_t limit_;
  std::unordered_map<std::string, std::deque<int64_t>> arrivals_us_;
};

}  // namespace wagate::sandbox
