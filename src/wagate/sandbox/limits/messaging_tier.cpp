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
  auto number_it = numbers_.find(std::string(phone_number_id));
  int64_t limit = number_it == numbers_.end() ? limit_ : LimitOf(number_it->second);
  if (limit <= 0) return true;  // unlimited: nothing to remember
  if (number_it == numbers_.end()) number_it = numbers_.emplace(std::string(phone_number_id), Number{}).first;
  Number& number = number_it->second;
  Expire(number, now);
  std::string key(customer);
  if (number.counted_at_ms.contains(key)) return true;
  if (static_cast<int64_t>(number.counted_at_ms.size()) >= limit) return false;
  number.counted_at_ms.emplace(key, now);
  number.order.emplace_back(now, std::move(key));
  return true;
}

void MessagingTier::SetLimit(int64_t limit) {
  std::lock_guard lock(mu_);
  limit_ = limit;
  if (limit_ > 0) return;
  std::erase_if(numbers_, [](const auto& item) { return !item.second.own_limit.has_value(); });
}

int64_t MessagingTier::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

void MessagingTier::SetNumberLimit(std::string_view phone_number_id, int64_t limit) {
  std::lock_guard lock(mu_);
  Number& number = numbers_[std::string(phone_number_id)];
  number.own_limit = limit;
  if (limit > 0) return;
  number.counted_at_ms.clear();
  number.order.clear();
}

int64_t MessagingTier::LimitFor(std::string_view phone_number_id) const {
  std::lock_guard lock(mu_);
  auto it = numbers_.find(std::string(phone_number_id));
  return it == numbers_.end() ? limit_ : LimitOf(it->second);
}

size_t MessagingTier::reached(std::string_view phone_number_id) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto it = numbers_.find(std::string(phone_number_id));
  if (it == numbers_.end()) return 0;
  Expire(it->second, now);
  return it->second.counted_at_ms.size();
}

const std::vector<std::string>& MessagingTierNames() {
  static const std::vector<std::string> kNames = {"TIER_50",  "TIER_250",  "TIER_1K",        "TIER_2K",
                                                  "TIER_10K", "TIER_100K", "TIER_UNLIMITED", "TIER_NOT_SET"};
  return kNames;
}

std::optional<int64_t> LimitOfTier(std::string_view name) {
  static const std::unordered_map<std::string_view, int64_t> kLimits = {
      {"TIER_50", 50},      {"TIER_250", 250},      {"TIER_1K", 1000},    {"TIER_2K", 2000},
      {"TIER_10K", 10'000}, {"TIER_100K", 100'000}, {"TIER_UNLIMITED", 0}};
  auto it = kLimits.find(name);
  if (it == kLimits.end()) return std::nullopt;
  return it->second;
}

}  // namespace wagate::sandbox
