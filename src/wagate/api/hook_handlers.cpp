// Pre-send hooks: create, list, delete. The secret is answered only at creation.
#include "wagate/api/auth.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::api {
namespace {

using http::Json;

Json HookJson(const store::PresendHookRecord& h) {
  return {{"id", h.id},
          {"tenant_id", h.tenant_id},
          {"outlet_id", h.outlet_id ? Json(*h.outlet_id) : Json(nullptr)},
          {"url", h.url},
          {"timeout_ms", h.timeout_ms},
          {"failure_policy", h.failure_policy},
          {"created_at", core::FormatIso8601(h.created_at)}};
}

void Create(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  f.AllowOnly({"tenant_id", "url", "outlet_id", "secret", "timeout_ms", "failure_policy"});
  auto tenant = f.String("tenant_id", who->is_admin, 64, 1);
  events::HookInput in;
  in.url = f.String("url", true, 2048, 1).value_or("");
  in.outlet_id = f.String("outlet_id", false, 64, 1);
  in.secret = f.String("secret", false, 200, 1);
  in.timeout_ms = f.Int("timeout_ms", false, 50, events::PresendHooks::kMaxTimeoutMs);
  in.failure_policy = f.OneOf("failure_policy", false, {"fail_open", "fail_closed"});
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  std::string tenant_id = tenant.value_or(who->tenant_id);
  if (!who->CanSee(tenant_id)) return respond(http::ErrorResponse(core::Error::NotFound("tenant")));
  auto created = ctx.hooks.Create(tenant_id, in);
  if (!created) return respond(http::ErrorResponse(created.error()));
  Json j = HookJson(created->hook);
  j["secret"] = created->secret;
  respond(http::JsonResponse(201, j));
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::optional<std::string> tenant =
      who->is_admin ? req.Query("tenant_id") : std::optional<std::string>(who->tenant_id);
  Json out = Json::array();
  for (const auto& h : ctx.hooks.List(tenant)) out.push_back(HookJson(h));
  respond(http::JsonResponse(200, {{"hooks", out}}));
}

void Delete(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::optional<std::string> tenant = who->is_admin ? std::nullopt : std::optional<std::string>(who->tenant_id);
  core::Status s = ctx.hooks.Delete(tenant, req.params["id"]);
  if (!s.ok()) return respond(http::ErrorResponse(s.error()));
  http::Response gone;
  gone.status = 204;
  respond(std::move(gone));
}

}  // namespace

void RegisterHookRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/hooks", [&ctx](http::Request& r, http::Responder p) { Create(ctx, r, std::move(p)); });
  router.Add("GET", "/api/v1/hooks", [&ctx](http::Request& r, http::Responder p) { List(ctx, r, std::move(p)); });
  router.Add("DELETE", "/api/v1/hooks/{id}",
             [&ctx](http::Request& r, http::Responder p) { Delete(ctx, r, std::move(p)); });
}

}  // namespace wagate::api
