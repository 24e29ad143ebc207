#include "wagate/engine/rate/send_window.hpp"

#include <algorithm>

namespace wagate::engine {

SendWindow::Slot SendWindow::Reserve(int64_t now_us) {
  std::lock_guard lock(mu_);
  // The request `limit` places back must have left the window before this one leaves.
  Slot slot{std::max(now_us, ring_[next_] + window_us_), next_, generation_};
  ring_[next_] = slot.at_us;
  next_ = (next_ + 1) % ring_.size();
  return slot;
}

void SendWindow::Departed(const Slot& slot, int64_t actual_us) {
  std::lock_guard lock(mu_);
  if (slot.generation != generation_ || slot.index >= ring_.size()) return;
  // Only ever later: if the entry was reused by a newer reservation, a later time is still safe.
  ring_[slot.index] = std::max(ring_[slot.index], actual_us);
}

void SendWindow::SetWindowUs(int64_t window_us) {
  std::lock_guard lock(mu_);
  window_us_ = window_us;
}

void SendWindow::Resize(int64_t limit) {
  std::lock_guard lock(mu_);
  size_t n = static_cast<size_t>(std::max<int64_t>(1, limit));
  if (n == ring_.size()) return;
  // Keep the most recent departures (oldest first) so the window stays honest across the change.
  std::vector<int64_t> recent;
  for (size_t i = 0; i < ring_.size(); ++i) recent.push_back(ring_[(next_ + i) % ring_.size()]);
  std::vector<int64_t> ring(n, INT64_MIN / 2);
  size_t keep = std::min(n, recent.size());
  std::copy(recent.end() - static_cast<long>(keep), recent.end(), ring.end() - static_cast<long>(keep));
  ring_ = std::move(ring);
  next_ = 0;
  ++generation_;
}

}  // namespace wagate::engine
