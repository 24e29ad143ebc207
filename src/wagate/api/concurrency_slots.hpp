// Caps how many requests of one kind run at once, per tenant and in all (media uploads and
// downloads): one tenant cannot take every upstream thread, nor hold every byte of memory, while
// others wait. A slot is held by a ticket and freed when the ticket is destroyed.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace wagate::api {

// Thread-safe; outlives every ticket it hands out (it lives in the ApiContext).
class ConcurrencySlots final {
 public:
  ConcurrencySlots(size_t per_tenant, size_t total) : per_tenant_(per_tenant), total_(total) {}

  // A ticket holding one slot of `tenant_id`, or nullptr when the tenant or the whole is at its cap.
  std::shared_ptr<void> TryTake(const std::string& tenant_id);
  size_t InUse() const;

 private:
  void Release(const std::string& tenant_id);

  const size_t per_tenant_;
  const size_t total_;
  mutable std::mutex mu_;
  std::map<std::string, size_t> by_tenant_;
  size_t in_use_ = 0;
};

}  // namespace wagate::api
