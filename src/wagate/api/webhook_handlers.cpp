// Meta's webhooks: the verification handshake, and signed event delivery (verify, journal, 200).
#include <cstdlib>

#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/log.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/inbound/ingest.hpp"
#include "wagate/inbound/webhook_auth.hpp"

namespace wagate::api {
namespace {

constexpr size_t kMaxWebhookBytes = 4 << 20;  // Meta: up to 3 MB

http::Response Text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

void Verify(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto challenge = inbound::AcceptHandshake(
      ctx.outlets, {req.Query("hub.mode"), req.Query("hub.verify_token"), req.Query("hub.challenge")});
  if (!challenge) {
    core::LogWarn("inbound.webhook", "verification handshake refused");
    return respond(http::ErrorResponse(challenge.error()));
  }
  respond(Text(200, *challenge));
}

// Parse, authenticate, journal, then answer 200: inbound::Ingest does it all.
void Receive(ApiContext& ctx, http::Request& req, http::Responder respond) {
  std::string_view signature = req.Header("x-hub-signature-256");
  ctx.ingest.Receive(std::move(req.body), signature, [respond](const core::Status& s) {
    if (!s.ok()) return respond(http::ErrorResponse(s.error()));  // Meta retries non-200s
    respond(Text(200, "OK"));
  });
}

// GET /api/v1/webhook-events: what became of each delivery (admin: all; a tenant: those that touched
// its outlets), newest first.
void ListEvents(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  store::WebhookEventFilter filter;
  filter.tenant_id = who->is_admin ? req.Query("tenant_id") : std::optional<std::string>(who->tenant_id);
  auto outcome = ChoiceParam(req, "outcome", {"applied", "skipped", "rejected", "pending"});
  auto limit = LimitParam(req, 50, 500);
  if (!outcome) return respond(http::ErrorResponse(outcome.error()));
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  filter.outcome = *outcome;
  filter.limit = *limit;
  if (auto cursor = req.Query("cursor")) {
    char* end = nullptr;
    long long id = std::strtoll(cursor->c_str(), &end, 10);
    if (cursor->empty() || *end != '\0' || id < 1) {
      return respond(http::ErrorResponse(QueryError("query 'cursor' is not a cursor this API gave")));
    }
    filter.before_id = id;
  }
  auto events = ctx.journal.ListEvents(filter);
  http::Json out = http::Json::array();
  for (const auto& e : events) {
    http::Json counts = core::ParseUntrustedJson(e.details);
    out.push_back(
        {{"id", e.id},
         {"received_at", core::FormatIso8601(e.received_at)},
         {"processed_at", e.processed_at ? http::Json(core::FormatIso8601(*e.processed_at)) : http::Json(nullptr)},
         {"outcome", e.outcome},
         {"reason", e.reason ? http::Json(*e.reason) : http::Json(nullptr)},
         {"counts", counts.is_object() ? counts : http::Json::object()},
         {"bytes", e.bytes}});
  }
  http::Json next = nullptr;
  if (static_cast<int64_t>(events.size()) == filter.limit) next = std::to_string(events.back().id);
  respond(http::JsonResponse(200, {{"events", out}, {"next_cursor", next}}));
}

}  // namespace

void RegisterWebhookRoutes(http::Router& router, ApiContext& ctx) {
  // Inline: in-memory checks, then the journal write answers through its callback.
  router.Add(
      "GET", "/webhooks/whatsapp", [&ctx](http::Request& r, http::Responder p) { Verify(ctx, r, std::move(p)); },
      http::Execution::kInline);
  // Meta sends payloads of up to 3 MB; refusing a larger-than-API body would lose it after Meta's retries.
  router.Add(
      "POST", "/webhooks/whatsapp", [&ctx](http::Request& r, http::Responder p) { Receive(ctx, r, std::move(p)); },
      http::Execution::kInline, kMaxWebhookBytes);
  router.Add("GET", "/api/v1/webhook-events",
             [&ctx](http::Request& r, http::Responder p) { ListEvents(ctx, r, std::move(p)); });
}

}  // namespace wagate::api
