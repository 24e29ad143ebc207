#include "wagate/conversation/contact_windows.hpp"

#include <mutex>

#include "wagate/core/phone.hpp"

namespace wagate::conversation {

std::string ContactWindows::Key(const std::string& outlet_id, const std::string& customer) {
  return outlet_id + '/' + core::DigitsOf(customer);
}

void ContactWindows::RecordInbound(const std::string& outlet_id, const std::string& customer, int64_t at_ms) {
  std::unique_lock lock(mu_);
  int64_t& last = last_inbound_[Key(outlet_id, customer)];
  if (at_ms > last) last = at_ms;
}

bool ContactWindows::IsOpen(const std::string& outlet_id, const std::string& customer, int64_t now_ms) const {
  std::shared_lock lock(mu_);
  auto it = last_inbound_.find(Key(outlet_id, customer));
  return it != last_inbound_.end() && it->second + kWindowMs > now_ms;
}

}  // namespace wagate::conversation
