#include "wagate/engine/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::engine {

std::optional<int64_t> RetryPolicy::NextDelayMs(int64_t attempts_made, double unit_random) const {
  if (attempts_made >= max_attempts) return std::nullopt;
  int64_t exponent = std::clamp<int64_t>(attempts_made - 1, 0, 20);
  double delay = static_cast<double>(base_delay_ms) * std::pow(2.0, static_cast<double>(exponent));
  delay *= 1.0 + jitter * (2.0 * unit_random - 1.0);
  return std::max<int64_t>(0, static_cast<int64_t>(delay));
}

}  // namespace wagate::engine
