// When to try an event's delivery again: a fixed schedule with jitter, raised by a Retry-After. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace wagate::events {

struct RetrySchedule {
  // delays_s[i] is the wait before attempt i + 1: delays_s[0] before the first (0: at once), and its
  // size is the number of attempts. The default spreads 8 attempts over about 27.5 hours.
  std::vector<int64_t> delays_s = {0, 5, 300, 1800, 7200, 18000, 36000, 36000};
  // Each wait is its delay ± this fraction of it (0.2: 80 % to 120 %), so failures that happened
  // together do not retry together.
  double jitter = 0.2;
};

// A Retry-After raises the wait at most to this (a receiver cannot park an event for longer).
inline constexpr int64_t kMaxRetryAfterS = 24 * 3600;

// The wait in milliseconds before the next attempt, after `attempts_done` attempts (≥ 1 once one
// failed; 0 gives the first attempt's delay). nullopt when no attempt is left: the event has failed.
// The wait is delays_s[attempts_done] scaled by 1 + jitter * (2 * unit_random - 1), unit_random uniform
// in [0, 1) (clamped there), and then at least `retry_after_s` (a 429's or 503's Retry-After, clamped to
// [0, kMaxRetryAfterS]). Never negative.
std::optional<int64_t> NextAttemptDelayMs(const RetrySchedule& schedule, int attempts_done,
                                          std::optional<int64_t> retry_after_s, double unit_random);

}  // namespace wagate::events
