// The send window's jitter margin, sized from the jitter this machine actually shows. A request is
// stamped as departed when curl is about to write it; if the thread is descheduled before the bytes
// reach the wire, it arrives at Meta later than stamped and can share Meta's sliding second with the
// next `limit` requests. The window (1 s + margin) must outlast that delay: the margin is a configured
// floor (network jitter we cannot see) plus the longest scheduling stall of the last `memory_ms`
// (measured by a core::LagMonitor), capped. On a quiet machine it stays at the floor, so a lane runs
// at 1000 / (1000 + floor) of its limit; under CPU steal it widens and the lane slows a little instead
// of being throttled by Meta.
#pragma once

#include <cstdint>
#include <functional>

#include "wagate/core/clock.hpp"

namespace wagate::engine {

// Thread-safe (stateless beyond its settings; the stall source must be thread-safe).
class PacingMargin final {
 public:
  struct Settings {
    int64_t floor_ms = 20;       // engine.pacing_margin_ms
    int64_t max_ms = 250;        // engine.pacing_margin_max_ms
    int64_t memory_ms = 30'000;  // how long a stall keeps the margin wide
  };
  // The longest scheduling stall (ms) observed at or after a wall-clock time (ms).
  using StallSource = std::function<int64_t(int64_t since_ms)>;

  PacingMargin(Settings settings, StallSource stalls, const core::Clock& clock)
      : settings_(settings), stalls_(std::move(stalls)), clock_(clock) {}

  int64_t CurrentMs() const;
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
  StallSource stalls_;
  const core::Clock& clock_;
};

}  // namespace wagate::engine
