#include "wagate/sandbox/limits/pair_limiter.hpp"

#include <algorithm>

namespace wagate::sandbox {

PairLimiter::PairLimiter(const core::Clock& clock, int64_t burst, int64_t interval_ms)
    : clock_(clock), burst_(burst), interval_ms_(std::max<int64_t>(1, interval_ms)) {}

bool PairLimiter::TryAcquire(std::string_view phone_number_id, std::string_view recipient) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  if (burst_ <= 0) return true;
  SweepIfDue(now);
  std::string key;
  key.reserve(phone_number_id.size() + 1 + recipient.size());
  key.append(phone_number_id).append(1, '/').append(recipient);
  auto it = full_at_ms_.find(key);
  int64_t full_at = it == full_at_ms_.end() ? now : std::max(it->second, now);
  // Tokens missing = (full_at - now) / interval, rounded up; one must be left to take.
  if (full_at - now > (burst_ - 1) * interval_ms_) return false;
  full_at += interval_ms_;
  if (it == full_at_ms_.end()) {
    full_at_ms_.emplace(std::move(key), full_at);
  } else {
    it->second = full_at;
  }
  return true;
}

void PairLimiter::SweepIfDue(int64_t now) {
  if (now < next_sweep_ms_) return;
  next_sweep_ms_ = now + kSweepPeriodMs;
  size_t before = full_at_ms_.size();
  std::erase_if(full_at_ms_, [now](const auto& entry) { return entry.second <= now; });
  if (full_at_ms_.size() < before / 4) full_at_ms_.rehash(0);  // give back the bucket array too
}

void PairLimiter::Configure(int64_t burst, int64_t interval_ms) {
  interval_ms = std::max<int64_t>(1, interval_ms);
  std::lock_guard lock(mu_);
  if (burst == burst_ && interval_ms == interval_ms_) return;
  burst_ = burst;
  interval_ms_ = interval_ms;
  full_at_ms_.clear();
  full_at_ms_.rehash(0);
}

int64_t PairLimiter::burst() const {
  std::lock_guard lock(mu_);
  return burst_;
}

int64_t PairLimiter::interval_ms() const {
  std::lock_guard lock(mu_);
  return interval_ms_;
}

size_t PairLimiter::tracked_pairs() const {
  std::lock_guard lock(mu_);
  return full_at_ms_.size();
}

}  // namespace wagate::sandbox
