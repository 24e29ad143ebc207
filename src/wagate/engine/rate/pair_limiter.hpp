// Pair rate limit: how fast one business number may message one customer (Meta's 131056): a burst
// of `burst` messages, then one per `interval_ms` (plus a 2% margin, at least 25 ms, for arrival
// jitter). Messages beyond it wait; other customers do not.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "wagate/core/clock.hpp"

namespace wagate::engine {

// Owned by one lane; not thread-safe.
class PairLimiter final {
 public:
  struct Settings {
    int64_t burst = 45;          // Meta: up to 45 messages in a burst…
    int64_t interval_ms = 6000;  // …then about one per 6 s. burst 0 = no limit.
  };
  explicit PairLimiter(Settings settings) : settings_(settings) {}

  // Milliseconds until `recipient` may get another message (0 = now). Does not consume.
  int64_t WaitMs(const std::string& recipient, int64_t now_ms);
  void Consume(const std::string& recipient, int64_t now_ms);
  // Meta said 131056 anyway: nothing more to this customer for `backoff_ms` (and an empty bucket).
  void Penalize(const std::string& recipient, int64_t now_ms, int64_t backoff_ms);
  void Reconfigure(Settings settings) { settings_ = settings; }
  const Settings& settings() const { return settings_; }
  // Customers currently tracked (those whose bucket is not full again).
  size_t Tracked() const { return pairs_.size(); }

 private:
  struct Pair {
    double tokens;
    int64_t last_ms;
    int64_t blocked_until_ms;
  };
  double Refilled(const Pair& p, int64_t now_ms) const;
  int64_t EffectiveIntervalMs() const;
  void SweepIfLarge(int64_t now_ms);

  Settings settings_;
  std::unordered_map<std::string, Pair> pairs_;
  size_t sweep_at_ = 4096;
};

}  // namespace wagate::engine
