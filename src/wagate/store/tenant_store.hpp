// Tenants, their outlets (WhatsApp business numbers, secrets sealed) and API keys. Backend-neutral;
// implementations pass store/conformance/tenant_store_conformance.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/store/records.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store {

// Thread-safe; every write is durable when it returns.
class TenantStore {
 public:
  virtual ~TenantStore() = default;

  [[nodiscard]] virtual core::Status CreateTenant(const TenantRecord& t) = 0;
  [[nodiscard]] virtual std::optional<TenantRecord> GetTenant(const std::string& id) = 0;
  [[nodiscard]] virtual std::vector<TenantRecord> ListTenants() = 0;
  // Cascades to the tenant's outlets and keys. kNotFound when absent.
  [[nodiscard]] virtual core::Status DeleteTenant(const std::string& id) = 0;
  // Messages counted against the tenant's quota in `month` ("2026-12").
  [[nodiscard]] virtual int64_t QuotaUsed(const std::string& tenant_id, const std::string& month) = 0;

  // kNotFound for an unknown tenant; kConflict when the phone_number_id already belongs to an outlet
  // (checked atomically with the insert: two concurrent creations cannot both win).
  [[nodiscard]] virtual core::Status CreateOutlet(const OutletRecord& o) = 0;
  [[nodiscard]] virtual std::optional<OutletRecord> GetOutlet(const std::string& id) = 0;
  // nullopt: every tenant's.
  [[nodiscard]] virtual std::vector<OutletRecord> ListOutlets(const std::optional<std::string>& tenant_id) = 0;
  // Read, change and write the outlet as one unit: `change` may set the name and the delivery limits
  // (throughput, pair rate, tier, window policy); the rest is immutable. kNotFound unless the outlet
  // exists and belongs to `tenant_id`.
  [[nodiscard]] virtual core::Result<OutletRecord> UpdateOutlet(const std::string& tenant_id, const std::string& id,
                                                                const std::function<void(OutletRecord&)>& change) = 0;
  [[nodiscard]] virtual core::Status DeleteOutlet(const std::string& tenant_id, const std::string& id) = 0;
  // The newest value of each account-signal field Meta sent about the outlet (written by
  // WebhookJournal::Apply), by field name.
  [[nodiscard]] virtual std::vector<AccountSignal> ListSignals(const std::string& outlet_id) = 0;

  // kNotFound for an unknown tenant.
  [[nodiscard]] virtual core::Status CreateApiKey(const ApiKeyRecord& k) = 0;
  [[nodiscard]] virtual std::vector<ApiKeyRecord> ListApiKeys(const std::optional<std::string>& tenant_id) = 0;
  [[nodiscard]] virtual core::Status DeleteApiKey(const std::string& tenant_id, const std::string& id) = 0;
};

}  // namespace wagate::store
