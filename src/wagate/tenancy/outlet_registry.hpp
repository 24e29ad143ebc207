// Outlets with their secrets opened, in memory: the engine and the webhook receiver look up
// credentials without touching the store or decrypting per message.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "wagate/security/secret_box.hpp"
#include "wagate/store/records.hpp"

namespace wagate::tenancy {

struct OutletCredentials {
  std::string id;
  std::string tenant_id;
  std::string phone_number_id;
  std::string waba_id;
  std::string access_token;
  std::string app_secret;
  std::string verify_token;
  int64_t throughput_mps = 80;
  int64_t pair_burst = 45;
  int64_t pair_interval_ms = 6000;
  std::optional<int64_t> messaging_tier;
  bool reject_outside_window = false;  // window_policy "reject"
  std::string display_phone_number;    // digits: how Meta's phone_number_quality_update names the number
};

// Thread-safe (readers share a lock). Kept in step with the store by the admin operations.
class OutletRegistry final {
 public:
  explicit OutletRegistry(const security::SecretBox& box) : box_(box) {}

  // Opens the sealed secrets; false when they cannot be decrypted (wrong master key).
  bool Put(const store::OutletRecord& record);
  void Remove(const std::string& outlet_id);
  void RemoveTenant(const std::string& tenant_id);

  std::shared_ptr<const OutletCredentials> ById(const std::string& outlet_id) const;
  std::shared_ptr<const OutletCredentials> ByPhoneNumberId(const std::string& phone_number_id) const;
  std::vector<std::shared_ptr<const OutletCredentials>> ByWabaId(const std::string& waba_id) const;
  // Every WABA some outlet belongs to, each with one of its outlets (whose token manages the WABA).
  std::vector<std::shared_ptr<const OutletCredentials>> OneOutletPerWaba() const;
  bool AnyVerifyTokenMatches(const std::string& token) const;  // constant-time per comparison

 private:
  const security::SecretBox& box_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const OutletCredentials>> by_id_;
  std::unordered_map<std::string, std::shared_ptr<const OutletCredentials>> by_phone_;
};

}  // namespace wagate::tenancy
