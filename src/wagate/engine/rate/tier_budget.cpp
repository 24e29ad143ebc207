#include "wagate/engine/rate/tier_budget.hpp"

namespace wagate::engine {

void TierBudget::Expire(int64_t now_ms) {
  while (!order_.empty() && order_.front().first + kWindowMs <= now_ms) {
    auto it = reached_.find(order_.front().second);
    if (it != reached_.end() && it->second == order_.front().first) reached_.erase(it);
    order_.pop_front();
  }
}

bool TierBudget::Fits(const std::string& recipient, int64_t now_ms) {
  if (!limit_) return true;
  Expire(now_ms);
  if (reached_.count(recipient)) return true;
  return static_cast<int64_t>(reached_.size()) < *limit_;
}

void TierBudget::Record(const std::string& recipient, int64_t now_ms) {
  Expire(now_ms);
  if (reached_.try_emplace(recipient, now_ms).second) order_.emplace_back(now_ms, recipient);
}

int64_t TierBudget::NextSlotMs(int64_t now_ms) {
  Expire(now_ms);
  if (order_.empty()) return now_ms;
  return order_.front().first + kWindowMs;
}

size_t TierBudget::Used(int64_t now_ms) {
  Expire(now_ms);
  return reached_.size();
}

}  // namespace wagate::engine
