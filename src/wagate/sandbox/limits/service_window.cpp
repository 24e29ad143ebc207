#include "wagate/sandbox/limits/service_window.hpp"

namespace wagate::sandbox {

ServiceWindows::ServiceWindows(const core::Clock& clock, int64_t window_ms) : clock_(clock), window_ms_(window_ms) {}

std::string ServiceWindows::Key(std::string_view phone_number_id, std::string_view customer) {
  std::string key;
  key.reserve(phone_number_id.size() + 1 + customer.size());
  key.append(phone_number_id).append(1, '/').append(customer);
  return key;
}

void ServiceWindows::RecordInbound(std::string_view phone_number_id, std::string_view customer) {
  SetLastInbound(phone_number_id, customer, clock_.NowMs());
}

void ServiceWindows::SetLastInbound(std::string_view phone_number_id, std::string_view customer,
                                    std::optional<int64_t> at_ms) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  SweepIfDue(now);
  if (at_ms) {
    last_inbound_ms_[Key(phone_number_id, customer)] = *at_ms;
  } else {
    last_inbound_ms_.erase(Key(phone_number_id, customer));
  }
}

std::optional<int64_t> ServiceWindows::LastInbound(std::string_view phone_number_id, std::string_view customer) const {
  std::lock_guard lock(mu_);
  auto it = last_inbound_ms_.find(Key(phone_number_id, customer));
  if (it == last_inbound_ms_.end()) return std::nullopt;
  return it->second;
}

bool ServiceWindows::IsOpen(std::string_view phone_number_id, std::string_view customer) {
  int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  SweepIfDue(now);
  if (last_inbound_ms_.empty()) return false;
  auto it = last_inbound_ms_.find(Key(phone_number_id, customer));
  return it != last_inbound_ms_.end() && now - it->second < window_ms_;
}

void ServiceWindows::SweepIfDue(int64_t now) {
  if (now < next_sweep_ms_) return;
  next_sweep_ms_ = now + kSweepPeriodMs;
  int64_t window = window_ms_;
  std::erase_if(last_inbound_ms_, [&](const auto& entry) { return now - entry.second >= window; });
}

void ServiceWindows::SetWindowMs(int64_t window_ms) {
  std::lock_guard lock(mu_);
  window_ms_ = window_ms;
}

int64_t ServiceWindows::window_ms() const {
  std::lock_guard lock(mu_);
  return window_ms_;
}

size_t ServiceWindows::tracked_customers() const {
  std::lock_guard lock(mu_);
  return last_inbound_ms_.size();
}

}  // namespace wagate::sandbox
