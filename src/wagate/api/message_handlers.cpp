// Sending and reading messages.
#include <set>

#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/content/message_content.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/phone.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/security/crypto.hpp"
#include "wagate/store/message_store.hpp"

namespace wagate::api {
namespace {

using http::Json;

Json OptTime(const std::optional<int64_t>& ms) { return ms ? Json(core::FormatIso8601(*ms)) : Json(nullptr); }

Json ErrorJson(const std::optional<core::GraphError>& e) {
  if (!e) return nullptr;
  return {{"code", e->code}, {"title", e->title}, {"details", e->details}};
}

Json StatusJson(const store::MessageRecord& m) {
  // A retry pending keeps the last error visible; a sent message shows none.
  bool show_error = m.status == core::MessageStatus::kFailed || m.status == core::MessageStatus::kQueued;
  return {{"message_id", m.id},
          {"status", core::ToString(m.status)},
          {"whatsapp_message_id", m.wamid ? Json(*m.wamid) : Json(nullptr)},
          {"sent_at", OptTime(m.sent_at)},
          {"delivered_at", OptTime(m.delivered_at)},
          {"read_at", OptTime(m.read_at)},
          {"failed_at", OptTime(m.failed_at)},
          {"error", show_error ? ErrorJson(m.error) : Json(nullptr)},
          {"deferred_reason",
           m.deferred_reason && m.status == core::MessageStatus::kQueued ? Json(*m.deferred_reason) : Json(nullptr)}};
}

Json MessageJson(const store::MessageRecord& m) {
  Json j = StatusJson(m);
  j["tenant_id"] = m.tenant_id;
  j["outlet_id"] = m.outlet_id;
  j["conversation_id"] = m.conversation_id ? Json(*m.conversation_id) : Json(nullptr);
  j["to"] = m.to_number;
  j["message_type"] = m.message_type;
  j["priority"] = m.priority ? "bulk" : "transactional";
  j["business_initiated"] = m.business_initiated;
  j["message"] = m.body_text ? Json(*m.body_text) : Json(nullptr);  // text, caption, template name…
  if (m.template_name) j["template"] = {{"name", *m.template_name}, {"language", m.template_language.value_or("")}};
  j["pricing"] = m.pricing_category ? Json{{"category", *m.pricing_category},
                                           {"type", m.pricing_type.value_or("")},
                                           {"model", m.pricing_model.value_or("")}}
                                    : Json(nullptr);
  j["attempts"] = m.attempts;
  j["created_at"] = core::FormatIso8601(m.created_at);
  return j;
}

struct ParsedSend {
  messaging::SendCommand cmd;
  bool async = false;
};

// A member a send does not know is refused, naming it: a typo (`mesage_type`, `recipient`) or a
// content member for another type (a `template` object beside a text message) would otherwise be
// dropped silently and the message sent other than the caller meant.
core::Status RefuseUnknownMembers(const Json& body, const std::string& message_type) {
  static const std::set<std::string> kMembers = {"tenant_id", "outlet_id",    "conversation_id", "to",     "async",
                                                 "priority",  "message_type", "message",         "context"};
  for (const auto& [name, value] : body.items()) {
    if (kMembers.count(name) || name == message_type) continue;
    return core::Error::InvalidField(name, "is not allowed in a send request with message_type " + message_type);
  }
  return core::Ok{};
}

core::Result<ParsedSend> ParseSend(const tenancy::Principal& who, const http::Request& req) {
  auto body = core::ParseJsonObject(req.body);
  if (!body) return body.error();
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  ParsedSend p;
  auto tenant_id = f.String("tenant_id", who.is_admin, 64, 1);
  p.cmd.outlet_id = f.String("outlet_id", true, 64, 1).value_or("");
  p.cmd.conversation_id = f.String("conversation_id", false, 256, 0);
  if (!f.ok()) return f.error();
  auto content = content::ParseMessageContent(*body);
  if (!content) return content.error();
  p.cmd.content = std::move(*content);
  if (core::Status known = RefuseUnknownMembers(*body, p.cmd.content.type); !known.ok()) return known.error();
  // mark_read names the message, not the customer: `to` is optional there.
  auto to = f.String("to", p.cmd.content.needs_recipient, 64, 1);
  p.async = f.Bool("async").value_or(false);
  std::string priority = f.String("priority", false, 32, 0).value_or("transactional");
  if (f.ok() && priority != "transactional" && priority != "bulk") {
    f.Fail("priority", "must be \"transactional\" or \"bulk\"");
  }
  p.cmd.priority = priority == "bulk" ? engine::Priority::kBulk : engine::Priority::kTransactional;
  if (!f.ok()) return f.error();
  std::string_view key = req.Header("idempotency-key");
  if (!key.empty()) {
    bool printable = std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 32 && c < 127; });
    if (key.size() > 255 || !printable) {
      return core::Error::Invalid("invalid_header", "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    p.cmd.idempotency_key = std::string(key);
    p.cmd.request_hash = security::Sha256Hex(req.body);
  }
  p.cmd.tenant_id = tenant_id.value_or(who.tenant_id);
  if (to) {
    auto e164 = core::NormalizePhoneNumber(*to);
    if (!e164) {
      core::Error e = core::Error::Invalid("invalid_phone_number",
                                           "field 'to' is not a valid phone number: use the international format "
                                           "with the country code, e.g. +628123456789");
      e.field = "to";
      return e;
    }
    p.cmd.to = *e164;
  }
  std::string prefer(req.Header("prefer"));  // RFC 7240: preference names are case-insensitive
  for (char& ch : prefer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (prefer.find("respond-async") != std::string::npos) p.async = true;
  return p;
}

Json SendFailedDetails(const std::string& id, const engine::Outcome& o) {
  return {{"message_id", id},
          {"attempts", o.attempts},
          {"graph_code", o.error.code},
          {"graph_title", o.error.title},
          {"graph_details", o.error.details}};
}

http::Response SentAnswer(const std::string& id, const std::string& wamid, int64_t sent_at_ms, bool window_open) {
  return http::JsonResponse(200, {{"message_id", id},
                                  {"whatsapp_message_id", wamid},
                                  {"status", "sent"},
                                  {"sent_at", core::FormatIso8601(sent_at_ms)},
                                  {"service_window", window_open ? "open" : "closed"}});
}

http::Response FailedAnswer(const std::string& id, const engine::Outcome& o) {
  // Meta's titles already read "(#code) Title"; transport errors have no code.
  bool titled = o.error.title.rfind("(#", 0) == 0;
  std::string msg = "the message could not be sent: " +
                    (o.error.code && !titled ? "(#" + std::to_string(o.error.code) + ") " : std::string()) +
                    o.error.title;
  return http::ErrorResponse(core::Error{core::ErrorKind::kSendFailed, "send_failed", msg}, SendFailedDetails(id, o));
}

// A synchronous caller whose message already has its outcome (an idempotent retry) is answered
// from the stored state, exactly as the first caller was.
std::optional<http::Response> FinalAnswer(const store::MessageRecord& m, bool window_open) {
  switch (m.status) {
    case core::MessageStatus::kSent:
    case core::MessageStatus::kDelivered:
    case core::MessageStatus::kRead:
      return SentAnswer(m.id, m.wamid.value_or(""), m.sent_at.value_or(m.created_at), window_open);
    case core::MessageStatus::kFailed:
      return FailedAnswer(m.id, engine::Outcome{false, "", 0, m.attempts, m.error.value_or(core::GraphError{})});
    case core::MessageStatus::kUnknown:
      return http::JsonResponse(202, {{"message_id", m.id}, {"status", "unknown"}});
    default:
      return std::nullopt;
  }
}

void Send(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto parsed = ParseSend(*who, req);
  if (!parsed) return respond(http::ErrorResponse(parsed.error()));
  bool async = parsed->async;
  int64_t deadline = ctx.clock.NowMs() + ctx.sync_wait_ms;
  ctx.sender.Accept(*who, parsed->cmd, [respond, async, deadline, &ctx](core::Result<messaging::Accepted> r) {
    if (!r) return respond(http::ErrorResponse(r.error()));
    const store::MessageRecord& m = r->message;
    const char* window = r->window_open ? "open" : "closed";
    if (async) {
      respond(http::JsonResponse(
          202, {{"message_id", m.id}, {"status", core::ToString(m.status)}, {"service_window", window}}));
      return;
    }
    if (auto final = FinalAnswer(m, r->window_open)) return respond(std::move(*final));
    bool window_open = r->window_open;
    // Registered before the engine sees a new message (the service enqueues after this callback).
    ctx.waiters.Register(
        m.id, deadline, [respond, window_open, &ctx](const std::string& id, std::optional<engine::Outcome> o) {
          if (!o) {  // still going after sync_wait_ms: answer with where it stands
            auto now = ctx.messages.Get(id);
            respond(http::JsonResponse(202,
                                       {{"message_id", id}, {"status", now ? core::ToString(now->status) : "queued"}}));
            return;
          }
          respond(o->sent ? SentAnswer(id, o->wamid, o->sent_at_ms, window_open) : FailedAnswer(id, *o));
        });
  });
}

// Loads a message the caller may see; another tenant's message is "not found".
core::Result<store::MessageRecord> VisibleMessage(ApiContext& ctx, const http::Request& req) {
  auto who = Authenticate(ctx, req);
  if (!who) return who.error();
  auto m = ctx.messages.Get(req.params.at("id"));
  if (!m || !who->CanSee(m->tenant_id)) return core::Error::NotFound("message");
  return *m;
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  store::MessageListFilter filter;
  filter.tenant_id = who->is_admin ? req.Query("tenant_id") : std::optional<std::string>(who->tenant_id);
  filter.outlet_id = req.Query("outlet_id");
  filter.status = req.Query("status");
  if (filter.status && !core::ParseMessageStatus(*filter.status)) {
    return respond(http::ErrorResponse(QueryError("query 'status' is not a message status")));
  }
  filter.conversation_id = req.Query("conversation_id");  // the caller's own thread id, as given to send
  auto limit = LimitParam(req, 100, 500);
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  filter.limit = *limit;
  auto list = ctx.messages.List(filter);
  Json out = Json::array();
  for (const auto& m : list) out.push_back(MessageJson(m));
  respond(http::JsonResponse(200, {{"messages", out}}));
}

}  // namespace

void RegisterMessageRoutes(http::Router& router, ApiContext& ctx) {
  // Inline: parsing and validation only; the store and the engine answer through callbacks.
  router.Add(
      "POST", "/api/v1/messages/send", [&ctx](http::Request& r, http::Responder p) { Send(ctx, r, std::move(p)); },
      http::Execution::kInline);
  router.Add("GET", "/api/v1/messages", [&ctx](http::Request& r, http::Responder p) { List(ctx, r, std::move(p)); });
  router.Add("GET", "/api/v1/messages/{id}", [&ctx](http::Request& req, http::Responder respond) {
    auto m = VisibleMessage(ctx, req);
    respond(m ? http::JsonResponse(200, MessageJson(*m)) : http::ErrorResponse(m.error()));
  });
  router.Add("GET", "/api/v1/messages/{id}/status", [&ctx](http::Request& req, http::Responder respond) {
    auto m = VisibleMessage(ctx, req);
    respond(m ? http::JsonResponse(200, StatusJson(*m)) : http::ErrorResponse(m.error()));
  });
}

}  // namespace wagate::api
