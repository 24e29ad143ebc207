// Messaging tier: how many unique customers a number may reach outside their service window in a
// rolling 24 h (Meta's messaging limit: 250, 2K, 10K, 100K, unlimited). Beyond it, sends wait.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace wagate::engine {

// Owned by one lane; not thread-safe.
class TierBudget final {
 public:
  static constexpr int64_t kWindowMs = 24LL * 3600 * 1000;
  explicit TierBudget(std::optional<int64_t> limit) : limit_(limit) {}

  // Whether a business-initiated message to `recipient` fits now (a customer already reached in the
  // last 24 h costs nothing more).
  bool Fits(const std::string& recipient, int64_t now_ms);
  // Counts `recipient` as reached at `now_ms` (no-op when already counted in the window).
  void Record(const std::string& recipient, int64_t now_ms);
  // When the next customer slot frees up (the oldest one leaves the window).
  int64_t NextSlotMs(int64_t now_ms);
  void Reconfigure(std::optional<int64_t> limit) { limit_ = limit; }
  size_t Used(int64_t now_ms);
  std::optional<int64_t> limit() const { return limit_; }

 private:
  void Expire(int64_t now_ms);
  std::optional<int64_t> limit_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (first send, customer), oldest first
  std::unordered_map<std::string, int64_t> reached_;   // customer → first send in the window
};

}  // namespace wagate::engine
