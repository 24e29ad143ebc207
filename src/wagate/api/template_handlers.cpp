// The templates registry of an outlet's WABA: list (with per-template counters), sync from Graph,
// create and delete (passed through to Graph).
#include "wagate/api/auth.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::api {
namespace {

using http::Json;

Json TemplateJson(const store::TemplateRecord& t, const store::TemplateCounters& n) {
  Json parameters = Json::object();
  for (const auto& [key, p] : t.parameters) {
    Json one = {{"count", p.count}};
    if (!p.names.empty()) one["names"] = p.names;
    if (p.optional) one["optional"] = true;
    parameters[key] = one;
  }
  return {
      {"id", t.graph_id},
      {"name", t.name},
      {"language", t.language},
      {"category", t.category},
      {"status", t.status},
      {"status_reason", t.status_reason ? Json(*t.status_reason) : Json(nullptr)},
      {"parameter_format", t.parameter_format},
      {"parameters", parameters},
      {"components", t.components},
      {"counters",
       {{"queued", n.queued}, {"sent", n.sent}, {"delivered", n.delivered}, {"read", n.read}, {"failed", n.failed}}},
      {"updated_at", core::FormatIso8601(t.updated_at)}};
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.params["id"]);
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  std::string waba = (*outlet)->waba_id;
  auto name = req.Query("name");
  auto status = req.Query("status");
  auto language = req.Query("language");
  Json data = Json::array();
  for (const auto& t : ctx.template_store.List(waba, name, status)) {
    if (language && t.language != *language) continue;
    data.push_back(TemplateJson(t, ctx.template_store.Counters(waba, t.name, t.language)));
  }
  auto synced = ctx.template_store.LastSync(waba);
  Json body{
      {"waba_id", waba}, {"synced_at", synced ? Json(core::FormatIso8601(*synced)) : Json(nullptr)}, {"data", data}};
  respond(http::JsonResponse(200, body));
}

void Sync(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.params["id"]);
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  auto report = ctx.templates.Sync(**outlet);
  if (!report) return respond(http::ErrorResponse(report.error()));
  respond(http::JsonResponse(
      200, {{"waba_id", (*outlet)->waba_id}, {"templates", report->templates}, {"pages", report->pages}}));
}

void Create(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.params["id"]);
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  // Graph validates the definition in full; we check what the registry itself relies on.
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  auto name = f.String("name", true, 512, 1);
  f.String("language", true, 15, 2);
  f.String("category", true, 32, 1);
  if (f.ok() && !std::all_of(name->begin(), name->end(),
                             [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; })) {
    f.Fail("name", "may contain only lowercase letters, digits and underscores");
  }
  if (f.ok() && (!body->contains("components") || !(*body)["components"].is_array() || (*body)["components"].empty())) {
    f.Fail("components", "must be a non-empty array");
  }
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto created = ctx.templates.Create(**outlet, *body);
  if (!created) return respond(http::ErrorResponse(created.error()));
  respond(http::JsonResponse(201, *created));
}

void Delete(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.params["id"]);
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  auto name = req.Query("name");
  if (!name || name->empty()) {
    return respond(http::ErrorResponse(core::Error::InvalidField("name", "is required (query parameter)")));
  }
  auto removed = ctx.templates.Delete(**outlet, *name, req.Query("template_id"));
  if (!removed) return respond(http::ErrorResponse(removed.error()));
  respond(http::JsonResponse(200, {{"deleted", true}, {"registry_rows_removed", *removed}}));
}

}  // namespace

void RegisterTemplateRoutes(http::Router& router, ApiContext& ctx) {
  // The listing reads the store (worker pool); the rest wait on Graph (upstream pool).
  router.Add("GET", "/api/v1/outlets/{id}/templates", [&ctx](http::Request& r, http::Responder p) { List(ctx, r, p); });
  router.Add(
      "POST", "/api/v1/outlets/{id}/templates/sync", [&ctx](http::Request& r, http::Responder p) { Sync(ctx, r, p); },
      http::Execution::kUpstream);
  router.Add(
      "POST", "/api/v1/outlets/{id}/templates", [&ctx](http::Request& r, http::Responder p) { Create(ctx, r, p); },
      http::Execution::kUpstream);
  router.Add(
      "DELETE", "/api/v1/outlets/{id}/templates", [&ctx](http::Request& r, http::Responder p) { Delete(ctx, r, p); },
      http::Execution::kUpstream);
}

}  // namespace wagate::api
