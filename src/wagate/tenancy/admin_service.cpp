#include "wagate/tenancy/admin_service.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/core/log.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::tenancy {

core::Status AdminService::LoadRegistries() {
  auto outlets = store_.ListOutlets(std::nullopt);
  for (const auto& o : outlets) {
    if (!outlets_.Put(o)) {
      return core::Error::Internal("cannot decrypt the secrets of outlet " + o.id +
                                   ": the master key differs from the one they were stored with");
    }
  }
  auto keys = store_.ListApiKeys(std::nullopt);
  for (const auto& k : keys) keys_.Put(k.key_hash, k.id, k.tenant_id);
  core::LogInfo("tenancy", "registries loaded", {{"outlets", outlets.size()}, {"api_keys", keys.size()}});
  return core::Ok{};
}

bool AdminService::TenantExists(const std::string& id) { return store_.GetTenant(id).has_value(); }

core::Result<TenantView> AdminService::CreateTenant(const std::string& name, std::optional<int64_t> quota) {
  store::TenantRecord t{core::NewId("ten_", clock_.NowMs()), name, quota, clock_.NowMs()};
  core::Status s = store_.CreateTenant(t);
  if (!s.ok()) return s.error();
  core::LogInfo("tenancy", "tenant created", {{"tenant_id", t.id}});
  return TenantView{t, 0};
}

core::Result<TenantView> AdminService::GetTenant(const Principal& who, const std::string& id) {
  if (!who.CanSee(id)) return core::Error::NotFound("tenant");
  std::string month = core::MonthKey(clock_.NowMs());
  auto t = store_.GetTenant(id);
  if (!t) return core::Error::NotFound("tenant");
  return TenantView{*t, store_.QuotaUsed(id, month)};
}

std::vector<TenantView> AdminService::ListTenants(const Principal& who) {
  std::string month = core::MonthKey(clock_.NowMs());
  std::vector<TenantView> out;
  for (auto& t : store_.ListTenants()) {
    if (!who.CanSee(t.id)) continue;
    int64_t used = store_.QuotaUsed(t.id, month);
    out.push_back(TenantView{std::move(t), used});
  }
  return out;
}

core::Status AdminService::DeleteTenant(const std::string& id) {
  core::Status s = store_.DeleteTenant(id);
  if (!s.ok()) return s;
  outlets_.RemoveTenant(id);
  keys_.RemoveTenant(id);
  core::LogInfo("tenancy", "tenant deleted", {{"tenant_id", id}});
  return s;
}

core::Result<store::OutletRecord> AdminService::CreateOutlet(const std::string& tenant_id, const NewOutlet& n) {
  store::OutletRecord o;
  o.id = core::NewId("out_", clock_.NowMs());
  o.tenant_id = tenant_id;
  o.name = n.name;
  o.phone_number_id = n.phone_number_id;
  o.waba_id = n.waba_id;
  o.display_phone_number = n.display_phone_number;
  o.access_token_sealed = box_.Seal(n.access_token);
  o.app_secret_sealed = box_.Seal(n.app_secret);
  o.verify_token_sealed = box_.Seal(n.verify_token);
  o.throughput_mps = n.limits.throughput_mps;
  o.pair_burst = n.limits.pair_burst;
  o.pair_interval_ms = n.limits.pair_interval_ms;
  o.messaging_tier = n.limits.messaging_tier;
  o.window_policy = n.limits.window_policy;
  o.created_at = clock_.NowMs();
  core::Status s = store_.CreateOutlet(o);
  if (!s.ok()) return s.error();
  outlets_.Put(o);
  NotifyOutlet(o, OutletChange::kCreated);
  core::LogInfo("tenancy", "outlet created",
                {{"tenant_id", tenant_id}, {"outlet_id", o.id}, {"phone_number_id", o.phone_number_id}});
  return o;
}

core::Result<store::OutletRecord> AdminService::GetOutlet(const Principal& who, const std::string& tenant_id,
                                                          const std::string& id) {
  if (!who.CanSee(tenant_id)) return core::Error::NotFound("outlet");
  auto o = store_.GetOutlet(id);
  if (!o || o->tenant_id != tenant_id) return core::Error::NotFound("outlet");
  return *o;
}

core::Result<std::vector<store::OutletRecord>> AdminService::ListOutlets(const Principal& who,
                                                                         const std::string& tenant_id) {
  if (!who.CanSee(tenant_id) || !TenantExists(tenant_id)) return core::Error::NotFound("tenant");
  return store_.ListOutlets(tenant_id);
}

core::Status AdminService::DeleteOutlet(const std::string& tenant_id, const std::string& id) {
  core::Status s = store_.DeleteOutlet(tenant_id, id);
  if (s.ok()) outlets_.Remove(id);
  return s;
}

core::Result<store::OutletRecord> AdminService::UpdateOutlet(const std::string& tenant_id, const std::string& id,
                                                             const OutletPatch& p) {
  auto result = store_.UpdateOutlet(tenant_id, id, [&p](store::OutletRecord& o) {
    if (p.name) o.name = *p.name;
    if (p.throughput_mps) o.throughput_mps = *p.throughput_mps;
    if (p.pair_burst) o.pair_burst = *p.pair_burst;
    if (p.pair_interval_ms) o.pair_interval_ms = *p.pair_interval_ms;
    if (p.messaging_tier) o.messaging_tier = *p.messaging_tier;
    if (p.window_policy) o.window_policy = *p.window_policy;
  });
  if (!result) return result.error();
  const store::OutletRecord& updated = *result;
  outlets_.Put(updated);
  NotifyOutlet(updated, OutletChange::kLimitsChanged);
  core::LogInfo("tenancy", "outlet limits changed", {{"outlet_id", id}, {"throughput_mps", updated.throughput_mps}});
  return updated;
}

core::Result<IssuedKey> AdminService::CreateApiKey(const std::string& tenant_id, const std::string& name) {
  std::string key = "wgk_" + core::HexEncode(core::RandomBytes(32));
  store::ApiKeyRecord k{core::NewId("key_", clock_.NowMs()),
                        tenant_id,
                        name,
                        key.substr(0, 12),
                        security::Sha256Hex(key),
                        clock_.NowMs()};
  core::Status s = store_.CreateApiKey(k);
  if (!s.ok()) return s.error();
  keys_.Put(k.key_hash, k.id, tenant_id);
  core::LogInfo("tenancy", "api key issued", {{"tenant_id", tenant_id}, {"key_id", k.id}});
  return IssuedKey{k, key};
}

core::Result<std::vector<store::ApiKeyRecord>> AdminService::ListApiKeys(const Principal& who,
                                                                         const std::string& tenant_id) {
  if (!who.CanSee(tenant_id) || !TenantExists(tenant_id)) return core::Error::NotFound("tenant");
  return store_.ListApiKeys(tenant_id);
}

core::Status AdminService::DeleteApiKey(const std::string& tenant_id, const std::string& id) {
  core::Status s = store_.DeleteApiKey(tenant_id, id);
  if (s.ok()) keys_.RemoveKey(id);
  return s;
}

void AdminService::NotifyOutlet(const store::OutletRecord& o, OutletChange change) const {
  for (const auto& observer : observers_) observer(o, change);
}

std::string AdminService::MaskedSecret(const std::string& sealed) const {
  auto plain = box_.Open(sealed);
  return plain ? security::MaskSecret(*plain) : "****";
}

}  // namespace wagate::tenancy
