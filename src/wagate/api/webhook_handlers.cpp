// Meta's webhooks: the verification handshake, and signed event delivery (verify, journal, 200).
#include "wagate/api/routes.hpp"
#include "wagate/core/log.hpp"
#include "wagate/graph/webhook_payload.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/inbound/webhook_auth.hpp"
#include "wagate/store/webhook_journal.hpp"

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

// Parse (the body names the outlet, hence the secret), authenticate, journal, then answer 200.
void Receive(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto payload = graph::ParseWebhookPayload(req.body);
  if (!payload) {
    return respond(http::ErrorResponse(
        core::Error::Invalid("invalid_json", "the body is not a WhatsApp Business Account webhook")));
  }
  core::Status s = inbound::AuthenticateDelivery(ctx.outlets, *payload, req.Header("x-hub-signature-256"), req.body);
  if (!s.ok()) {
    core::LogWarn("inbound.webhook", "webhook rejected", {{"reason", s.error().code}});
    ctx.metrics
        .GetCounter("wagate_webhooks_rejected_total", "Webhook deliveries refused", "reason=\"" + s.error().code + "\"")
        ->Inc();
    return respond(http::ErrorResponse(s.error()));
  }
  int64_t now = ctx.clock.NowMs();
  ctx.journal.Append(std::move(req.body), std::string(req.Header("x-hub-signature-256")), now,
                     [&ctx, respond](const core::Status& s) {
                       if (!s.ok()) return respond(http::ErrorResponse(s.error()));  // Meta retries non-200s
                       ctx.processor.Notify();
                       respond(Text(200, "OK"));
                     });
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
}

}  // namespace wagate::api
