// When to try a failed send again: attempt 1 at once, then base·2^(n-1) with jitter, then give up.
#pragma once

#include <cstdint>
#include <optional>

namespace wagate::engine {

struct RetryPolicy {
  int64_t max_attempts = 4;      // including the first
  int64_t base_delay_ms = 1000;  // 1 s, 2 s, 4 s, …
  double jitter = 0.2;           // ± fraction of each delay

  // Delay before the next attempt after `attempts_made` failed ones, or nullopt when the budget is
  // spent. `unit_random` in [0, 1) is injected so tests are deterministic.
  std::optional<int64_t> NextDelayMs(int64_t attempts_made, double unit_random) const;
};

}  // namespace wagate::engine
