#include "wagate/engine/rate/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::engine {

TokenBucket::TokenBucket(Settings settings, const core::Clock& clock)
    : settings_(settings), clock_(clock), tokens_(settings.capacity), last_(clock.Now()) {}

void TokenBucket::Refill() {
  core::TimePoint now = clock_.Now();
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(settings_.capacity, tokens_ + elapsed * settings_.refill_per_second);
  last_ = now;
}

bool TokenBucket::TryAcquire(double n) {
  Refill();
  if (tokens_ + 1e-9 < n) return false;
  tokens_ -= n;
  return true;
}

std::chrono::microseconds TokenBucket::TimeUntilAvailable(double n) {
  Refill();
  if (tokens_ + 1e-9 >= n) return std::chrono::microseconds(0);
  if (settings_.refill_per_second <= 0) return std::chrono::hours(24);
  double secs = (n - tokens_) / settings_.refill_per_second;
  return std::chrono::microseconds(static_cast<int64_t>(std::ceil(secs * 1e6)));
}

void TokenBucket::Reconfigure(Settings settings) {
  Refill();
  settings_ = settings;
  tokens_ = std::min(tokens_, settings_.capacity);
}

double TokenBucket::Available() {
  Refill();
  return tokens_;
}

}  // namespace wagate::engine
