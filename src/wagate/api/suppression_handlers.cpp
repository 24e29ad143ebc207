// The suppression list: add one number (JSON) or import many (CSV), list, remove.
#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/campaigns/suppression_list.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::api {
namespace {

using http::Json;

constexpr size_t kImportBodyLimit = 128u << 20;

Json SuppressionJson(const store::SuppressionRecord& s) {
  return {{"phone", s.phone},
          {"reason", s.reason},
          {"source", s.source},
          {"created_at", core::FormatIso8601(s.created_at)}};
}

// The tenant a call is about: the caller's own, or for the admin the one named (`tenant_id`).
core::Result<std::string> TenantOf(const tenancy::Principal& who, const std::optional<std::string>& named) {
  if (!who.is_admin) return who.tenant_id;
  if (!named || named->empty()) return core::Error::InvalidField("tenant_id", "is required");
  return *named;
}

// The streamed body as pieces (CSV imports).
campaigns::ChunkReader BodyChunks(http::Request& req) {
  std::shared_ptr<http::BodyReader> stream = req.body_stream ? req.body_stream : http::StringBodyReader(req.body);
  return [stream](std::string& chunk) { return stream->Read(&chunk); };
}

// The streamed body whole, for a JSON body (small: at most kJsonLimit).
core::Result<std::string> WholeBody(http::Request& req) {
  constexpr size_t kJsonLimit = 64u << 10;
  std::string body, piece;
  auto read = BodyChunks(req);
  while (true) {
    auto more = read(piece);
    if (!more) return more.error();
    if (!*more) return body;
    body += piece;
    if (body.size() > kJsonLimit) {
      return core::Error{core::ErrorKind::kTooLarge, "payload_too_large",
                         "a JSON suppression is at most " + std::to_string(kJsonLimit) + " bytes"};
    }
  }
}

void Add(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::string type(req.Header("content-type"));
  if (type.rfind("text/csv", 0) == 0) {
    auto tenant = TenantOf(*who, req.Query("tenant_id"));
    if (!tenant) return respond(http::ErrorResponse(tenant.error()));
    auto counts = ctx.suppressions->Import(*tenant, req.Query("phone_column").value_or("phone"), BodyChunks(req));
    if (!counts) return respond(http::ErrorResponse(counts.error()));
    return respond(http::JsonResponse(200, {{"added", counts->added}, {"invalid", counts->invalid}}));
  }
  auto text = WholeBody(req);
  if (!text) return respond(http::ErrorResponse(text.error()));
  auto body = core::ParseJsonObject(*text);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  f.AllowOnly({"tenant_id", "phone", "reason"});
  auto named = f.String("tenant_id", who->is_admin, 64, 1);
  std::string phone = f.String("phone", true, 64, 1).value_or("");
  std::string reason = f.String("reason", false, 200, 1).value_or("requested");
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto tenant = TenantOf(*who, named);
  if (!tenant) return respond(http::ErrorResponse(tenant.error()));
  auto added = ctx.suppressions->Add(*tenant, phone, reason);
  if (!added) return respond(http::ErrorResponse(added.error()));
  respond(http::JsonResponse(201, SuppressionJson(*added)));
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto tenant = TenantOf(*who, req.Query("tenant_id"));
  if (!tenant) return respond(http::ErrorResponse(tenant.error()));
  auto limit = LimitParam(req, 100, 1000);
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  auto list = ctx.suppressions->List(*tenant, req.Query("cursor"), *limit);
  if (!list) return respond(http::ErrorResponse(list.error()));
  Json out = Json::array();
  for (const auto& s : *list) out.push_back(SuppressionJson(s));
  Json next = static_cast<int64_t>(list->size()) == *limit ? Json(list->back().phone) : Json(nullptr);
  respond(http::JsonResponse(200, {{"suppressions", out}, {"next_cursor", next}}));
}

void Remove(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto tenant = TenantOf(*who, req.Query("tenant_id"));
  if (!tenant) return respond(http::ErrorResponse(tenant.error()));
  core::Status s = ctx.suppressions->Remove(*tenant, req.params["phone"]);
  if (!s.ok()) return respond(http::ErrorResponse(s.error()));
  http::Response gone;
  gone.status = 204;
  respond(std::move(gone));
}

}  // namespace

void RegisterSuppressionRoutes(http::Router& router, ApiContext& ctx) {
  router.AddStreamed(
      "POST", "/api/v1/suppressions", [&ctx](http::Request& r, http::Responder p) { Add(ctx, r, p); }, kImportBodyLimit,
      [&ctx](const http::Request& head) { return AdmitBulkUpload(ctx, head); });
  router.Add("GET", "/api/v1/suppressions", [&ctx](http::Request& r, http::Responder p) { List(ctx, r, p); });
  router.Add("DELETE", "/api/v1/suppressions/{phone}",
             [&ctx](http::Request& r, http::Responder p) { Remove(ctx, r, p); });
}

}  // namespace wagate::api
