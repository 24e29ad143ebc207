#include "wagate/tenancy/key_registry.hpp"

#include <mutex>

#include "wagate/security/crypto.hpp"

namespace wagate::tenancy {

void KeyRegistry::Put(const std::string& key_hash, const std::string& key_id, const std::string& tenant_id) {
  std::unique_lock lock(mu_);
  by_hash_[key_hash] = Entry{key_id, tenant_id};
}

void KeyRegistry::RemoveKey(const std::string& key_id) {
  std::unique_lock lock(mu_);
  std::erase_if(by_hash_, [&](const auto& kv) { return kv.second.key_id == key_id; });
}

void KeyRegistry::RemoveTenant(const std::string& tenant_id) {
  std::unique_lock lock(mu_);
  std::erase_if(by_hash_, [&](const auto& kv) { return kv.second.tenant_id == tenant_id; });
}

std::optional<Principal> KeyRegistry::Authenticate(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) return std::nullopt;
  std::string_view key = header.substr(kBearer.size());
  if (!admin_key_.empty() && security::ConstantTimeEquals(key, admin_key_)) return Principal{true, ""};
  // Keys are 256-bit random values, so an unsalted hash lookup is safe and constant in cost.
  std::string hash = security::Sha256Hex(key);
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return Principal{false, it->second.tenant_id};
}

}  // namespace wagate::tenancy
