// Tenants, outlets and API keys: the operations behind the admin API, keeping the in-memory
// registries in step with the store. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/security/secret_box.hpp"
#include "wagate/store/tenant_store.hpp"
#include "wagate/tenancy/key_registry.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::tenancy {

// Delivery limits of an outlet (its lane): changeable at runtime.
struct OutletLimits {
  int64_t throughput_mps = 80;
  int64_t pair_burst = 45;
  int64_t pair_interval_ms = 6000;
  std::optional<int64_t> messaging_tier;  // nullopt = unlimited
  std::string window_policy = "allow";
};

struct NewOutlet {
  std::string name, phone_number_id, waba_id, access_token, app_secret, verify_token, display_phone_number;
  OutletLimits limits;
};

struct OutletPatch {
  std::optional<std::string> name;
  std::optional<int64_t> throughput_mps, pair_burst, pair_interval_ms;
  std::optional<std::optional<int64_t>> messaging_tier;  // set to a number, or to unlimited
  std::optional<std::string> window_policy;
};

struct IssuedKey {
  store::ApiKeyRecord record;
  std::string key;  // shown once
};

struct TenantView {
  store::TenantRecord tenant;
  int64_t used_this_month = 0;
};

// What happened to an outlet, for the parts of the gateway that keep state per outlet.
enum class OutletChange { kCreated, kLimitsChanged };
using OutletObserver = std::function<void(const store::OutletRecord&, OutletChange)>;

// Thread-safe. Read operations check that `who` may see the tenant and answer not_found otherwise.
class AdminService final {
 public:
  AdminService(store::TenantStore& store, const security::SecretBox& box, OutletRegistry& outlets, KeyRegistry& keys,
               const core::Clock& clock)
      : store_(store), box_(box), outlets_(outlets), keys_(keys), clock_(clock) {}

  // Told of every outlet change after it is stored, on the caller's thread, whichever path made it
  // (the engine reconfigures the lane, the template registry learns a new WABA). Register at start-up,
  // before the API serves.
  void AddOutletObserver(OutletObserver observer) { observers_.push_back(std::move(observer)); }

  // Fills the registries from the store at start-up; fails when secrets cannot be opened (the
  // master key changed).
  core::Status LoadRegistries();

  core::Result<TenantView> CreateTenant(const std::string& name, std::optional<int64_t> monthly_quota);
  core::Result<TenantView> GetTenant(const Principal& who, const std::string& id);
  std::vector<TenantView> ListTenants(const Principal& who);
  core::Status DeleteTenant(const std::string& id);

  core::Result<store::OutletRecord> CreateOutlet(const std::string& tenant_id, const NewOutlet& o);
  core::Result<store::OutletRecord> GetOutlet(const Principal& who, const std::string& tenant_id,
                                              const std::string& id);
  core::Result<std::vector<store::OutletRecord>> ListOutlets(const Principal& who, const std::string& tenant_id);
  core::Status DeleteOutlet(const std::string& tenant_id, const std::string& id);
  core::Result<store::OutletRecord> UpdateOutlet(const std::string& tenant_id, const std::string& id,
                                                 const OutletPatch& p);

  core::Result<IssuedKey> CreateApiKey(const std::string& tenant_id, const std::string& name);
  core::Result<std::vector<store::ApiKeyRecord>> ListApiKeys(const Principal& who, const std::string& tenant_id);
  core::Status DeleteApiKey(const std::string& tenant_id, const std::string& id);

  // Opens a sealed secret only to mask it for display.
  std::string MaskedSecret(const std::string& sealed) const;

 private:
  bool TenantExists(const std::string& id);
  void NotifyOutlet(const store::OutletRecord& o, OutletChange change) const;

  store::TenantStore& store_;
  std::vector<OutletObserver> observers_;
  const security::SecretBox& box_;
  OutletRegistry& outlets_;
  KeyRegistry& keys_;
  const core::Clock& clock_;
};

}  // namespace wagate::tenancy
