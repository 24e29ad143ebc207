#include "wagate/sandbox/limits/rate_window.hpp"

#include <algorithm>

namespace wagate::sandbox {

RateWindow::RateWindow(const core::Clock& clock, int64_t limit, std::chrono::microseconds window)
    : clock_(clock), window_us_(window.count()), limit_(limit) {}

bool RateWindow::TryAcquire(std::string_view phone_number_id, int64_t arrival_us) {
  int64_t now = arrival_us > 0 ? arrival_us : core::ToUnixUs(clock_.Now());
  std::lock_guard lock(mu_);
  if (limit_ <= 0) return true;
  auto it = arrivals_us_.find(std::string(phone_number_id));
  if (it == arrivals_us_.end()) it = arrivals_us_.emplace(std::string(phone_number_id), std::deque<int64_t>{}).first;
  std::deque<int64_t>& arrivals = it->second;
  while (!arrivals.empty() && arrivals.front() <= now - window_us_) arrivals.pop_front();
  if (static_cast<int64_t>(arrivals.size()) >= limit_) return false;
  // Arrivals handled out of order by concurrent workers: keep the deque sorted.
  arrivals.insert(std::upper_bound(arrivals.begin(), arrivals.end(), now), now);
  return true;
}

void RateWindow::SetLimit(int64_t limit) {
  std::lock_guard lock(mu_);
  limit_ = limit;
}

int64_t RateWindow::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

}  // namespace wagate::sandbox
