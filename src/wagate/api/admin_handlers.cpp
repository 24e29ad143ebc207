// Admin resources: tenants, outlets (WhatsApp credentials), API keys.

#include "wagate/api/auth.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/graph/graph_id.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::api {
namespace {

using http::Json;

Json TenantJson(const tenancy::TenantView& v) {
  return {{"id", v.tenant.id},
          {"name", v.tenant.name},
          {"monthly_quota", v.tenant.monthly_quota ? Json(*v.tenant.monthly_quota) : Json(nullptr)},
          {"used_this_month", v.used_this_month},
          {"created_at", core::FormatIso8601(v.tenant.created_at)}};
}

// What Meta last said about the outlet (phone_number_quality_update, account_update, …), by field.
Json SignalsJson(const ApiContext& ctx, const std::string& outlet_id) {
  Json out = Json::object();
  for (const auto& s : ctx.tenant_store.ListSignals(outlet_id)) {
    Json value = core::ParseUntrustedJson(s.value);
    out[s.field] = {{"at", s.at_ms > 0 ? Json(core::FormatIso8601(s.at_ms)) : Json(nullptr)},
                    {"value", value.is_discarded() ? Json(nullptr) : value}};
  }
  return out;
}

Json OutletJson(const ApiContext& ctx, const store::OutletRecord& o) {
  return {{"id", o.id},
          {"tenant_id", o.tenant_id},
          {"name", o.name},
          {"phone_number_id", o.phone_number_id},
          {"waba_id", o.waba_id},
          {"display_phone_number", o.display_phone_number},
          {"access_token", ctx.admin.MaskedSecret(o.access_token_sealed)},
          {"app_secret", ctx.admin.MaskedSecret(o.app_secret_sealed)},
          {"verify_token", ctx.admin.MaskedSecret(o.verify_token_sealed)},
          {"throughput_mps", o.throughput_mps},
          {"pair_burst", o.pair_burst},
          {"pair_interval_ms", o.pair_interval_ms},
          {"messaging_tier", o.messaging_tier ? Json(*o.messaging_tier) : Json(nullptr)},
          {"window_policy", o.window_policy},
          {"signals", SignalsJson(ctx, o.id)},
          {"created_at", core::FormatIso8601(o.created_at)}};
}

Json KeyJson(const store::ApiKeyRecord& k) {
  return {{"id", k.id},
          {"tenant_id", k.tenant_id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", core::FormatIso8601(k.created_at)}};
}

// An empty body counts as {} for endpoints whose fields are all optional.
core::Result<Json> BodyObject(const http::Request& req, bool empty_ok) {
  if (empty_ok && req.body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  return core::ParseJsonObject(req.body);
}

void CreateTenant(ApiContext& ctx, http::Request& req, http::Responder respond) {
  if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
  auto body = BodyObject(req, false);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  auto name = f.String("name", true, 200, 1);
  auto quota = f.Int("monthly_quota", false, 0, 1'000'000'000'000);
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto t = ctx.admin.CreateTenant(*name, quota);
  if (!t) return respond(http::ErrorResponse(t.error()));
  respond(http::JsonResponse(201, TenantJson(*t)));
}

// The delivery limits of an outlet, with Meta's bounds; absent fields keep `limits`' values.
tenancy::OutletPatch ReadLimits(core::ObjectReader& f, const Json& body, tenancy::OutletLimits* limits) {
  tenancy::OutletPatch p;
  p.throughput_mps = f.Int("throughput_mps", false, 1, 1000);
  p.pair_burst = f.Int("pair_burst", false, 0, 1000);
  p.pair_interval_ms = f.Int("pair_interval_ms", false, 100, 3'600'000);
  if (body.contains("messaging_tier")) {
    p.messaging_tier =
        body["messaging_tier"].is_null() ? std::optional<int64_t>() : f.Int("messaging_tier", true, 1, 1'000'000'000);
  }
  p.window_policy = f.String("window_policy", false, 16, 0);
  if (f.ok() && p.window_policy && *p.window_policy != "allow" && *p.window_policy != "reject") {
    f.Fail("window_policy", "must be \"allow\" or \"reject\"");
  }
  if (p.throughput_mps) limits->throughput_mps = *p.throughput_mps;
  if (p.pair_burst) limits->pair_burst = *p.pair_burst;
  if (p.pair_interval_ms) limits->pair_interval_ms = *p.pair_interval_ms;
  if (p.messaging_tier) limits->messaging_tier = *p.messaging_tier;
  if (p.window_policy) limits->window_policy = *p.window_policy;
  return p;
}

void UpdateOutlet(ApiContext& ctx, http::Request& req, http::Responder respond) {
  if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
  auto body = BodyObject(req, false);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  tenancy::OutletLimits ignored;
  tenancy::OutletPatch patch = ReadLimits(f, *body, &ignored);
  patch.name = f.String("name", false, 200, 1);
  for (const char* immutable : {"phone_number_id", "waba_id", "access_token", "app_secret", "verify_token"}) {
    if (f.ok() && body->contains(immutable)) f.Fail(immutable, "cannot be changed; create a new outlet");
  }
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto updated = ctx.admin.UpdateOutlet(req.params["id"], req.params["oid"], patch);
  if (!updated) return respond(http::ErrorResponse(updated.error()));
  respond(http::JsonResponse(200, OutletJson(ctx, *updated)));
}

void CreateOutlet(ApiContext& ctx, http::Request& req, http::Responder respond) {
  if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
  auto body = BodyObject(req, false);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  tenancy::NewOutlet o;
  o.name = f.String("name", true, 200, 1).value_or("");
  o.phone_number_id = f.String("phone_number_id", true, 32, 1).value_or("");
  o.waba_id = f.String("waba_id", true, 64, 1).value_or("");
  o.access_token = f.String("access_token", true, 4096, 1).value_or("");
  o.app_secret = f.String("app_secret", true, 512, 1).value_or("");
  o.verify_token = f.String("verify_token", true, 512, 1).value_or("");
  o.display_phone_number = f.String("display_phone_number", true, 32, 1).value_or("");
  ReadLimits(f, *body, &o.limits);
  if (f.ok() && !graph::IsGraphId(o.phone_number_id)) f.Fail("phone_number_id", "must contain only digits");
  if (f.ok() && !graph::IsGraphId(o.waba_id)) f.Fail("waba_id", "must contain only digits");
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto created = ctx.admin.CreateOutlet(req.params["id"], o);
  if (!created) return respond(http::ErrorResponse(created.error()));
  respond(http::JsonResponse(201, OutletJson(ctx, *created)));
}

void CreateApiKey(ApiContext& ctx, http::Request& req, http::Responder respond) {
  if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
  auto body = BodyObject(req, true);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  auto name = f.String("name", false, 200, 0);
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto issued = ctx.admin.CreateApiKey(req.params["id"], name.value_or("default"));
  if (!issued) return respond(http::ErrorResponse(issued.error()));
  Json j = KeyJson(issued->record);
  j["key"] = issued->key;
  respond(http::JsonResponse(201, j));
}

// Wraps a handler that needs any valid key (admin or tenant).
template <typename Fn>
http::Handler WithPrincipal(ApiContext& ctx, Fn fn) {
  return [&ctx, fn](http::Request& req, http::Responder respond) {
    auto who = Authenticate(ctx, req);
    if (!who) return respond(http::ErrorResponse(who.error()));
    fn(*who, req, std::move(respond));
  };
}

// Wraps an admin-only delete.
template <typename Fn>
http::Handler AdminDelete(ApiContext& ctx, Fn fn) {
  return [&ctx, fn](http::Request& req, http::Responder respond) {
    if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
    core::Status s = fn(req);
    if (!s.ok()) return respond(http::ErrorResponse(s.error()));
    http::Response r;
    r.status = 204;
    respond(std::move(r));
  };
}

}  // namespace

void RegisterAdminRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/tenants", [&ctx](http::Request& r, http::Responder p) { CreateTenant(ctx, r, p); });
  router.Add("GET", "/api/v1/tenants",
             WithPrincipal(ctx, [&ctx](const tenancy::Principal& who, http::Request&, http::Responder respond) {
               Json list = Json::array();
               for (const auto& t : ctx.admin.ListTenants(who)) list.push_back(TenantJson(t));
               respond(http::JsonResponse(200, {{"tenants", list}}));
             }));
  router.Add("GET", "/api/v1/tenants/{id}",
             WithPrincipal(ctx, [&ctx](const tenancy::Principal& who, http::Request& req, http::Responder respond) {
               auto t = ctx.admin.GetTenant(who, req.params["id"]);
               respond(t ? http::JsonResponse(200, TenantJson(*t)) : http::ErrorResponse(t.error()));
             }));
  router.Add("DELETE", "/api/v1/tenants/{id}",
             AdminDelete(ctx, [&ctx](http::Request& req) { return ctx.admin.DeleteTenant(req.params["id"]); }));

  router.Add("POST", "/api/v1/tenants/{id}/outlets",
             [&ctx](http::Request& r, http::Responder p) { CreateOutlet(ctx, r, p); });
  router.Add("GET", "/api/v1/tenants/{id}/outlets",
             WithPrincipal(ctx, [&ctx](const tenancy::Principal& who, http::Request& req, http::Responder respond) {
               auto list = ctx.admin.ListOutlets(who, req.params["id"]);
               if (!list) return respond(http::ErrorResponse(list.error()));
               Json out = Json::array();
               for (const auto& o : *list) out.push_back(OutletJson(ctx, o));
               respond(http::JsonResponse(200, {{"outlets", out}}));
             }));
  router.Add("GET", "/api/v1/tenants/{id}/outlets/{oid}",
             WithPrincipal(ctx, [&ctx](const tenancy::Principal& who, http::Request& req, http::Responder respond) {
               auto o = ctx.admin.GetOutlet(who, req.params["id"], req.params["oid"]);
               respond(o ? http::JsonResponse(200, OutletJson(ctx, *o)) : http::ErrorResponse(o.error()));
             }));
  router.Add("PATCH", "/api/v1/tenants/{id}/outlets/{oid}",
             [&ctx](http::Request& r, http::Responder p) { UpdateOutlet(ctx, r, p); });
  router.Add("DELETE", "/api/v1/tenants/{id}/outlets/{oid}", AdminDelete(ctx, [&ctx](http::Request& req) {
               return ctx.admin.DeleteOutlet(req.params["id"], req.params["oid"]);
             }));

  router.Add("POST", "/api/v1/tenants/{id}/api-keys",
             [&ctx](http::Request& r, http::Responder p) { CreateApiKey(ctx, r, p); });
  router.Add("GET", "/api/v1/tenants/{id}/api-keys",
             WithPrincipal(ctx, [&ctx](const tenancy::Principal& who, http::Request& req, http::Responder respond) {
               auto list = ctx.admin.ListApiKeys(who, req.params["id"]);
               if (!list) return respond(http::ErrorResponse(list.error()));
               Json out = Json::array();
               for (const auto& k : *list) out.push_back(KeyJson(k));
               respond(http::JsonResponse(200, {{"api_keys", out}}));
             }));
  router.Add("DELETE", "/api/v1/tenants/{id}/api-keys/{kid}", AdminDelete(ctx, [&ctx](http::Request& req) {
               return ctx.admin.DeleteApiKey(req.params["id"], req.params["kid"]);
             }));
}

}  // namespace wagate::api
