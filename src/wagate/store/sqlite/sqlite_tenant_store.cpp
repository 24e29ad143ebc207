#include "wagate/store/sqlite/admin_repo.hpp"
#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/event_repo.hpp"
#include "wagate/store/sqlite/journal_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {

core::Status SqliteTenantStore::CreateTenant(const TenantRecord& t) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    admin_repo::InsertTenant(c, t);
    return core::Ok{};
  });
}

std::optional<TenantRecord> SqliteTenantStore::GetTenant(const std::string& id) {
  return db_.Read([&](Connection& c) { return admin_repo::GetTenant(c, id); });
}

std::vector<TenantRecord> SqliteTenantStore::ListTenants() {
  return db_.Read([](Connection& c) { return admin_repo::ListTenants(c); });
}

core::Status SqliteTenantStore::DeleteTenant(const std::string& id) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::DeleteTenant(c, id)) return core::Error::NotFound("tenant");
    campaign_repo::DeleteTenant(c, id);  // its campaigns, recipients and suppression list
    event_repo::DeleteTenant(c, id);     // its subscriptions (with their secrets and deliveries) and hooks
    return core::Ok{};
  });
}

int64_t SqliteTenantStore::QuotaUsed(const std::string& tenant_id, const std::string& month) {
  return db_.Read([&](Connection& c) { return admin_repo::QuotaUsed(c, tenant_id, month); });
}

core::Status SqliteTenantStore::CreateOutlet(const OutletRecord& o) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::GetTenant(c, o.tenant_id)) return core::Error::NotFound("tenant");
    if (admin_repo::PhoneNumberIdTaken(c, o.phone_number_id)) {
      return core::Error{core::ErrorKind::kConflict, "conflict",
                         "phone_number_id " + o.phone_number_id + " already belongs to an outlet"};
    }
    admin_repo::InsertOutlet(c, o);
    return core::Ok{};
  });
}

std::optional<OutletRecord> SqliteTenantStore::GetOutlet(const std::string& id) {
  return db_.Read([&](Connection& c) { return admin_repo::GetOutlet(c, id); });
}

std::vector<OutletRecord> SqliteTenantStore::ListOutlets(const std::optional<std::string>& tenant_id) {
  return db_.Read([&](Connection& c) { return admin_repo::ListOutlets(c, tenant_id); });
}

core::Result<OutletRecord> SqliteTenantStore::UpdateOutlet(const std::string& tenant_id, const std::string& id,
                                                           const std::function<void(OutletRecord&)>& change) {
  OutletRecord updated;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto o = admin_repo::GetOutlet(c, id);
    if (!o || o->tenant_id != tenant_id) return core::Error::NotFound("outlet");
    change(*o);
    admin_repo::UpdateOutletLimits(c, *o);
    updated = *o;
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return updated;
}

core::Status SqliteTenantStore::DeleteOutlet(const std::string& tenant_id, const std::string& id) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::DeleteOutlet(c, tenant_id, id)) return core::Error::NotFound("outlet");
    return core::Ok{};
  });
}

std::vector<AccountSignal> SqliteTenantStore::ListSignals(const std::string& outlet_id) {
  return db_.Read([&](Connection& c) { return webhook_journal::ListSignals(c, outlet_id); });
}

core::Status SqliteTenantStore::CreateApiKey(const ApiKeyRecord& k) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::GetTenant(c, k.tenant_id)) return core::Error::NotFound("tenant");
    admin_repo::InsertApiKey(c, k);
    return core::Ok{};
  });
}

std::vector<ApiKeyRecord> SqliteTenantStore::ListApiKeys(const std::optional<std::string>& tenant_id) {
  return db_.Read([&](Connection& c) { return admin_repo::ListApiKeys(c, tenant_id); });
}

core::Status SqliteTenantStore::DeleteApiKey(const std::string& tenant_id, const std::string& id) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::DeleteApiKey(c, tenant_id, id)) return core::Error::NotFound("api key");
    return core::Ok{};
  });
}

}  // namespace wagate::store::sqlite
