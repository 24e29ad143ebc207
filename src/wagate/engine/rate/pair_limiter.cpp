#include "wagate/engine/rate/pair_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::engine {

// Meta refills a pair's bucket from when its messages *arrive*; a later request that travels faster
// than an earlier one arrives early. Pacing against a slightly longer interval keeps every arrival
// on the right side of Meta's count.
int64_t PairLimiter::EffectiveIntervalMs() const {
  return settings_.interval_ms + std::max<int64_t>(25, settings_.interval_ms / 50);
}

double PairLimiter::Refilled(const Pair& p, int64_t now_ms) const {
  double gained = static_cast<double>(std::max<int64_t>(0, now_ms - p.last_ms)) /
                  static_cast<double>(std::max<int64_t>(1, EffectiveIntervalMs()));
  return std::min(static_cast<double>(settings_.burst), p.tokens + gained);
}

int64_t PairLimiter::WaitMs(const std::string& recipient, int64_t now_ms) {
  if (settings_.burst <= 0) return 0;
  auto it = pairs_.find(recipient);
  if (it == pairs_.end()) return 0;
  const Pair& p = it->second;
  int64_t blocked = std::max<int64_t>(0, p.blocked_until_ms - now_ms);
  double tokens = Refilled(p, now_ms);
  if (tokens >= 1.0 - 1e-9) return blocked;
  int64_t refill = static_cast<int64_t>(std::ceil((1.0 - tokens) * static_cast<double>(EffectiveIntervalMs())));
  return std::max(blocked, std::max<int64_t>(1, refill));
}

void PairLimiter::Consume(const std::string& recipient, int64_t now_ms) {
  if (settings_.burst <= 0) return;
  auto [it, inserted] = pairs_.try_emplace(recipient, Pair{static_cast<double>(settings_.burst), now_ms, 0});
  Pair& p = it->second;
  p.tokens = std::max(0.0, Refilled(p, now_ms) - 1.0);
  p.last_ms = now_ms;
  if (inserted) SweepIfLarge(now_ms);
}

void PairLimiter::Penalize(const std::string& recipient, int64_t now_ms, int64_t backoff_ms) {
  auto [it, inserted] = pairs_.try_emplace(recipient, Pair{0, now_ms, 0});
  it->second.tokens = 0;
  it->second.last_ms = now_ms;
  it->second.blocked_until_ms = now_ms + backoff_ms;
  if (inserted) SweepIfLarge(now_ms);
}

// Customers whose bucket is full again carry no information: forget them so that a campaign to a
// million customers does not keep a million entries.
void PairLimiter::SweepIfLarge(int64_t now_ms) {
  if (pairs_.size() < sweep_at_) return;
  std::erase_if(pairs_, [&](const auto& kv) {
    return kv.second.blocked_until_ms <= now_ms && Refilled(kv.second, now_ms) >= static_cast<double>(settings_.burst);
  });
  sweep_at_ = std::max<size_t>(4096, pairs_.size() * 2);
}

}  // namespace wagate::engine
