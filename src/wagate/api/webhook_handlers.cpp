// Meta's webhooks: the verification handshake, and signed event delivery (verify, journal, 200).
#include <algorithm>

#include "wagate/api/routes.hpp"
#include "wagate/core/log.hpp"
#include "wagate/graph/signature.hpp"
#include "wagate/graph/webhook_payload.hpp"
#include "wagate/http/responses.hpp"
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
  auto mode = req.Query("hub.mode");
  auto token = req.Query("hub.verify_token");
  auto challenge = req.Query("hub.challenge");
  if (mode != "subscribe" || !token || !challenge || token->empty() || !ctx.outlets.AnyVerifyTokenMatches(*token)) {
    core::LogWarn("inbound.webhook", "verification handshake refused");
    return respond(http::ErrorResponse(403, "forbidden", "verification failed"));
  }
  respond(Text(200, *challenge));
}

// Every outlet the payload names must be ours and the body signed with its app secret.
core::Status Authenticate(const ApiContext& ctx, const http::Request& req, const graph::WebhookPayload& p) {
  std::vector<std::shared_ptr<const tenancy::OutletCredentials>> owners;
  for (const auto& pnid : p.phone_number_ids) {
    auto o = ctx.outlets.ByPhoneNumberId(pnid);
    if (!o) return core::Error{core::ErrorKind::kUnauthorized, "unknown_phone_number_id",
                               "phone_number_id " + pnid + " belongs to no outlet"};
    owners.push_back(o);
  }
  // Changes without metadata (template status updates) name only the WABA: the body must be signed
  // with the app secret of one of its outlets.
  std::vector<std::shared_ptr<const tenancy::OutletCredentials>> waba_outlets;
  if (owners.empty()) {
    for (const auto& waba : p.waba_ids) {
      auto list = ctx.outlets.ByWabaId(waba);
      waba_outlets.insert(waba_outlets.end(), list.begin(), list.end());
    }
  }
  if (owners.empty() && waba_outlets.empty()) {
    return core::Error{core::ErrorKind::kUnauthorized, "unknown_phone_number_id", "the payload names no known outlet"};
  }
  std::string_view signature = req.Header("x-hub-signature-256");
  if (signature.empty()) {
    return core::Error{core::ErrorKind::kUnauthorized, "invalid_signature", "X-Hub-Signature-256 is missing"};
  }
  for (const auto& o : owners) {
    if (!graph::VerifySignature(signature, o->app_secret, req.body)) {
      return core::Error{core::ErrorKind::kUnauthorized, "invalid_signature", "X-Hub-Signature-256 does not match"};
    }
  }
  if (owners.empty() && std::none_of(waba_outlets.begin(), waba_outlets.end(), [&](const auto& o) {
        return graph::VerifySignature(signature, o->app_secret, req.body);
      })) {
    return core::Error{core::ErrorKind::kUnauthorized, "invalid_signature", "X-Hub-Signature-256 does not match"};
  }
  return core::Ok{};
}

void Receive(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto payload = graph::ParseWebhookPayload(req.body);
  if (!payload) {
    return respond(http::ErrorResponse(400, "invalid_json", "the body is not a WhatsApp Business Account webhook"));
  }
  if (core::Status s = Authenticate(ctx, req, *payload); !s.ok()) {
    core::LogWarn("inbound.webhook", "webhook rejected", {{"reason", s.error().code}});
    ctx.metrics.GetCounter("wagate_webhooks_rejected_total", "Webhook deliveries refused", "reason=\"" + s.error().code + "\"")->Inc();
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
  router.Add("GET", "/webhooks/whatsapp", [&ctx](http::Request& r, http::Responder p) { Verify(ctx, r, std::move(p)); },
             http::Execution::kInline);
  // Meta sends payloads of up to 3 MB; refusing a larger-than-API body would lose it after Meta's retries.
  router.Add("POST", "/webhooks/whatsapp", [&ctx](http::Request& r, http::Responder p) { Receive(ctx, r, std::move(p)); },
             http::Execution::kInline, kMaxWebhookBytes);
}

}  // namespace wagate::api
