#include "wagate/sandbox/messages/wamid_registry.hpp"

namespace wagate::sandbox {

void WamidRegistry::Add(const std::string& wamid, Entry entry) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = entries_.insert_or_assign(wamid, std::move(entry));
  if (!inserted) return;
  order_.push_back(&it->first);
  while (entries_.size() > max_entries_) {
    entries_.erase(*order_.front());
    order_.pop_front();
  }
}

std::optional<WamidRegistry::Entry> WamidRegistry::Find(std::string_view wamid) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(wamid));
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

size_t WamidRegistry::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace wagate::sandbox
