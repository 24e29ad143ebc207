#include "wagate/sandbox/limits/messaging_tier.hpp"

namespace wagate::sandbox {

MessagingTier::MessagingTier(const core::Clock& clock, int64_t limit) : clock_(clock), limit_(limit) {}

void MessagingTier::Expire(Number& number, int64_t now) {
  while (!number.order.empty() && number.order.front().first <= now - kPeriodMs) {
    auto& [at, customer] = number.order.front();
    auto it = number.counted_at_ms.find(customer);
    if (it != number.counted_at_ms.end() && it->second == at) number.counted_at_ms.erase(it);
    number.order.pop_front();
  }
}

bool MessagingTier::TryReach(std::string_view phone_number_id, std::string_view customer) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  if (limit_ <= 0) return true;
  auto number_it = numbers_.find(std::string(phone_number_id));
  if (number_it == numbers_.end()) number_it = numbers_.emplace(std::string(phone_number_id), Number{}).first;
  Number& number = number_it->second;
  Expire(number, now);
  std::string key(customer);
  if (number.counted_at_ms.contains(key)) return true;
  if (static_cast<int64_t>(number.counted_at_ms.size()) >= limit_) return false;
  number.counted_at_ms.emplace(key, now);
  number.order.emplace_back(now, std::move(key));
  return true;
}

void MessagingTier::SetLimit(int64_t limit) {
  std::lock_guard lock(mu_);
  limit_ = limit;
  if (limit_ <= 0) numbers_.clear();
}

int64_t MessagingTier::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

size_t MessagingTier::reached(std::string_view phone_number_id) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto it = numbers_.find(std::string(phone_number_id));
  if (it == numbers_.end()) return 0;
  Expire(it->second, now);
  return it->second.counted_at_ms.size();
}

}  // namespace wagate::sandbox
