#include "wagate/events/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::events {

std::optional<int64_t> NextAttemptDelayMs(const RetrySchedule& schedule, int attempts_done,
                                          std::optional<int64_t> retry_after_s, double unit_random) {
  size_t next = static_cast<size_t>(std::max(attempts_done, 0));
  if (next >= schedule.delays_s.size()) return std::nullopt;
  double jitter = std::clamp(schedule.jitter, 0.0, 1.0);
  double unit = std::clamp(unit_random, 0.0, 1.0);
  double base_ms = static_cast<double>(std::max<int64_t>(schedule.delays_s[next], 0)) * 1000.0;
  auto delay_ms = static_cast<int64_t>(std::llround(base_ms * (1.0 + jitter * (2.0 * unit - 1.0))));
  if (retry_after_s) delay_ms = std::max(delay_ms, std::clamp<int64_t>(*retry_after_s, 0, kMaxRetryAfterS) * 1000);
  return std::max<int64_t>(delay_ms, 0);
}

}  // namespace wagate::events
