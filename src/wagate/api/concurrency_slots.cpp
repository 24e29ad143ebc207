#include "wagate/api/concurrency_slots.hpp"

namespace wagate::api {

std::shared_ptr<void> ConcurrencySlots::TryTake(const std::string& tenant_id) {
  {
    std::lock_guard lock(mu_);
    size_t& mine = by_tenant_[tenant_id];
    if (mine >= per_tenant_ || in_use_ >= total_) {
      if (mine == 0) by_tenant_.erase(tenant_id);
      return nullptr;
    }
    ++mine;
    ++in_use_;
  }
  // The ticket carries no data: its deleter gives the slot back.
  return std::shared_ptr<void>(static_cast<void*>(this), [this, tenant_id](void*) { Release(tenant_id); });
}

void ConcurrencySlots::Release(const std::string& tenant_id) {
  std::lock_guard lock(mu_);
  auto it = by_tenant_.find(tenant_id);
  if (it != by_tenant_.end() && --it->second == 0) by_tenant_.erase(it);
  --in_use_;
}

size_t ConcurrencySlots::InUse() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

}  // namespace wagate::api
