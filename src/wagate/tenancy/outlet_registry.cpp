#include "wagate/tenancy/outlet_registry.hpp"

#include <map>
#include <mutex>

#include "wagate/core/phone.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::tenancy {

bool OutletRegistry::Put(const store::OutletRecord& r) {
  auto token = box_.Open(r.access_token_sealed);
  auto secret = box_.Open(r.app_secret_sealed);
  auto verify = box_.Open(r.verify_token_sealed);
  if (!token || !secret || !verify) return false;
  auto creds = std::make_shared<OutletCredentials>(OutletCredentials{
      r.id, r.tenant_id, r.phone_number_id, r.waba_id, *token, *secret, *verify, r.throughput_mps, r.pair_burst,
      r.pair_interval_ms, r.messaging_tier, r.window_policy == "reject", core::DigitsOf(r.display_phone_number)});
  std::unique_lock lock(mu_);
  by_id_[r.id] = creds;
  by_phone_[r.phone_number_id] = creds;
  return true;
}

void OutletRegistry::Remove(const std::string& outlet_id) {
  std::unique_lock lock(mu_);
  auto it = by_id_.find(outlet_id);
  if (it == by_id_.end()) return;
  by_phone_.erase(it->second->phone_number_id);
  by_id_.erase(it);
}

void OutletRegistry::RemoveTenant(const std::string& tenant_id) {
  std::unique_lock lock(mu_);
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    if (it->second->tenant_id == tenant_id) {
      by_phone_.erase(it->second->phone_number_id);
      it = by_id_.erase(it);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<const OutletCredentials> OutletRegistry::ById(const std::string& outlet_id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(outlet_id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<const OutletCredentials> OutletRegistry::ByPhoneNumberId(const std::string& phone_number_id) const {
  std::shared_lock lock(mu_);
  auto it = by_phone_.find(phone_number_id);
  return it == by_phone_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const OutletCredentials>> OutletRegistry::ByWabaId(const std::string& waba_id) const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const OutletCredentials>> out;
  for (const auto& [id, creds] : by_id_) {
    if (creds->waba_id == waba_id) out.push_back(creds);
  }
  return out;
}

bool OutletRegistry::AnyVerifyTokenMatches(const std::string& token) const {
  std::shared_lock lock(mu_);
  bool match = false;
  for (const auto& [id, creds] : by_id_) match |= security::ConstantTimeEquals(creds->verify_token, token);
  return match;
}

std::vector<std::shared_ptr<const OutletCredentials>> OutletRegistry::OneOutletPerWaba() const {
  std::shared_lock lock(mu_);
  std::map<std::string, std::shared_ptr<const OutletCredentials>> by_waba;
  for (const auto& [id, o] : by_id_) by_waba.emplace(o->waba_id, o);
  std::vector<std::shared_ptr<const OutletCredentials>> out;
  for (auto& [waba, o] : by_waba) out.push_back(o);
  return out;
}

}  // namespace wagate::tenancy
