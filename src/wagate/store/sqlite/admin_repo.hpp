// Tenants, outlets and API keys: SQL for the admin resources. Functions run on a given connection
// (the writer inside a job, or a reader).
#pragma once

#include <optional>
#include <vector>

#include "wagate/store/records.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::admin_repo {

void InsertTenant(Connection& c, const TenantRecord& t);
std::optional<TenantRecord> GetTenant(Connection& c, const std::string& id);
std::vector<TenantRecord> ListTenants(Connection& c);
bool DeleteTenant(Connection& c, const std::string& id);  // cascades to outlets and keys

void InsertOutlet(Connection& c, const OutletRecord& o);
// Name and delivery limits (throughput, pair rate, tier, window policy) — the rest is immutable.
void UpdateOutletLimits(Connection& c, const OutletRecord& o);
std::optional<OutletRecord> GetOutlet(Connection& c, const std::string& id);
bool PhoneNumberIdTaken(Connection& c, const std::string& phone_number_id);
std::vector<OutletRecord> ListOutlets(Connection& c, const std::optional<std::string>& tenant_id);
bool DeleteOutlet(Connection& c, const std::string& tenant_id, const std::string& id);

void InsertApiKey(Connection& c, const ApiKeyRecord& k);
std::vector<ApiKeyRecord> ListApiKeys(Connection& c, const std::optional<std::string>& tenant_id);
bool DeleteApiKey(Connection& c, const std::string& tenant_id, const std::string& id);

int64_t QuotaUsed(Connection& c, const std::string& tenant_id, const std::string& month);
void AddQuotaUse(Connection& c, const std::string& tenant_id, const std::string& month, int64_t n);

}  // namespace wagate::store::sqlite::admin_repo
