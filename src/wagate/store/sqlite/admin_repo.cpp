#include "wagate/store/sqlite/admin_repo.hpp"

namespace wagate::store::sqlite::admin_repo {
namespace {

TenantRecord ReadTenant(Statement& s) { return TenantRecord{s.Text(0), s.Text(1), s.OptInt(2), s.Int(3)}; }

const char* kOutletColumns =
    "id, tenant_id, name, phone_number_id, waba_id, display_phone_number, access_token_sealed, "
    "app_secret_sealed, verify_token_sealed, throughput_mps, pair_burst, pair_interval_ms, messaging_tier, "
    "window_policy, created_at";

OutletRecord ReadOutlet(Statement& s) {
  OutletRecord o;
  o.id = s.Text(0);
  o.tenant_id = s.Text(1);
  o.name = s.Text(2);
  o.phone_number_id = s.Text(3);
  o.waba_id = s.Text(4);
  o.display_phone_number = s.Text(5);
  o.access_token_sealed = s.Text(6);
  o.app_secret_sealed = s.Text(7);
  o.verify_token_sealed = s.Text(8);
  o.throughput_mps = s.Int(9);
  o.pair_burst = s.Int(10);
  o.pair_interval_ms = s.Int(11);
  o.messaging_tier = s.OptInt(12);
  o.window_policy = s.Text(13);
  o.created_at = s.Int(14);
  return o;
}

}  // namespace

void InsertTenant(Connection& c, const TenantRecord& t) {
  c.Prepare("INSERT INTO tenants(id, name, monthly_quota, created_at) VALUES (?,?,?,?)")
      .Bind(1, t.id)
      .Bind(2, t.name)
      .Bind(3, t.monthly_quota)
      .Bind(4, t.created_at)
      .Run();
}

std::optional<TenantRecord> GetTenant(Connection& c, const std::string& id) {
  Statement s = c.Prepare("SELECT id, name, monthly_quota, created_at FROM tenants WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadTenant(s);
}

std::vector<TenantRecord> ListTenants(Connection& c) {
  Statement s = c.Prepare("SELECT id, name, monthly_quota, created_at FROM tenants ORDER BY created_at, id");
  std::vector<TenantRecord> out;
  while (s.Step()) out.push_back(ReadTenant(s));
  return out;
}

bool DeleteTenant(Connection& c, const std::string& id) {
  c.Prepare("DELETE FROM tenants WHERE id = ?").Bind(1, id).Run();
  return c.Changes() > 0;
}

void InsertOutlet(Connection& c, const OutletRecord& o) {
  c.Prepare(std::string("INSERT INTO outlets(") + kOutletColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, o.id)
      .Bind(2, o.tenant_id)
      .Bind(3, o.name)
      .Bind(4, o.phone_number_id)
      .Bind(5, o.waba_id)
      .Bind(6, o.display_phone_number)
      .Bind(7, o.access_token_sealed)
      .Bind(8, o.app_secret_sealed)
      .Bind(9, o.verify_token_sealed)
      .Bind(10, o.throughput_mps)
      .Bind(11, o.pair_burst)
      .Bind(12, o.pair_interval_ms)
      .Bind(13, o.messaging_tier)
      .Bind(14, o.window_policy)
      .Bind(15, o.created_at)
      .Run();
}

void UpdateOutletLimits(Connection& c, const OutletRecord& o) {
  c.Prepare(
       "UPDATE outlets SET name = ?, throughput_mps = ?, pair_burst = ?, pair_interval_ms = ?, messaging_tier = ?, "
       "window_policy = ? WHERE id = ?")
      .Bind(1, o.name)
      .Bind(2, o.throughput_mps)
      .Bind(3, o.pair_burst)
      .Bind(4, o.pair_interval_ms)
      .Bind(5, o.messaging_tier)
      .Bind(6, o.window_policy)
      .Bind(7, o.id)
      .Run();
}

std::optional<OutletRecord> GetOutlet(Connection& c, const std::string& id) {
  Statement s = c.Prepare(std::string("SELECT ") + kOutletColumns + " FROM outlets WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadOutlet(s);
}

bool PhoneNumberIdTaken(Connection& c, const std::string& phone_number_id) {
  Statement s = c.Prepare("SELECT 1 FROM outlets WHERE phone_number_id = ?");
  s.Bind(1, phone_number_id);
  return s.Step();
}

std::vector<OutletRecord> ListOutlets(Connection& c, const std::optional<std::string>& tenant_id) {
  Statement s = c.Prepare(std::string("SELECT ") + kOutletColumns +
                          " FROM outlets WHERE (?1 IS NULL OR tenant_id = ?1) ORDER BY created_at, id");
  s.Bind(1, tenant_id);
  std::vector<OutletRecord> out;
  while (s.Step()) out.push_back(ReadOutlet(s));
  return out;
}

bool DeleteOutlet(Connection& c, const std::string& tenant_id, const std::string& id) {
  c.Prepare("DELETE FROM outlets WHERE id = ? AND tenant_id = ?").Bind(1, id).Bind(2, tenant_id).Run();
  return c.Changes() > 0;
}

void InsertApiKey(Connection& c, const ApiKeyRecord& k) {
  c.Prepare("INSERT INTO api_keys(id, tenant_id, name, prefix, key_hash, created_at) VALUES (?,?,?,?,?,?)")
      .Bind(1, k.id)
      .Bind(2, k.tenant_id)
      .Bind(3, k.name)
      .Bind(4, k.prefix)
      .Bind(5, k.key_hash)
      .Bind(6, k.created_at)
      .Run();
}

std::vector<ApiKeyRecord> ListApiKeys(Connection& c, const std::optional<std::string>& tenant_id) {
  Statement s = c.Prepare(
      "SELECT id, tenant_id, name, prefix, key_hash, created_at FROM api_keys "
      "WHERE (?1 IS NULL OR tenant_id = ?1) ORDER BY created_at, id");
  s.Bind(1, tenant_id);
  std::vector<ApiKeyRecord> out;
  while (s.Step()) out.push_back(ApiKeyRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5)});
  return out;
}

bool DeleteApiKey(Connection& c, const std::string& tenant_id, const std::string& id) {
  c.Prepare("DELETE FROM api_keys WHERE id = ? AND tenant_id = ?").Bind(1, id).Bind(2, tenant_id).Run();
  return c.Changes() > 0;
}

int64_t QuotaUsed(Connection& c, const std::string& tenant_id, const std::string& month) {
  Statement s = c.Prepare("SELECT used FROM quota_usage WHERE tenant_id = ? AND month = ?");
  s.Bind(1, tenant_id).Bind(2, month);
  return s.Step() ? s.Int(0) : 0;
}

void AddQuotaUse(Connection& c, const std::string& tenant_id, const std::string& month, int64_t n) {
  c.Prepare(
       "INSERT INTO quota_usage(tenant_id, month, used) VALUES (?,?,?) "
       "ON CONFLICT(tenant_id, month) DO UPDATE SET used = used + excluded.used")
      .Bind(1, tenant_id)
      .Bind(2, month)
      .Bind(3, n)
      .Run();
}

}  // namespace wagate::store::sqlite::admin_repo
