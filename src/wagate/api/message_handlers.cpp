// Sending and reading messages.
#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/messaging/send_request.hpp"
#include "wagate/store/message_store.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::api {
namespace {

using http::Json;

using store::MessageJson;
using store::StatusJson;

using messaging::ParsedSend;

// A send body (the request's, or the one a pre-send hook answered instead); headers from the request.
core::Result<ParsedSend> ParseSendBody(const tenancy::Principal& who, const Json& body, const http::Request& req) {
  messaging::IdempotencyInput idempotency;
  std::string_view key = req.Header("idempotency-key");
  if (!key.empty()) {
    if (!messaging::ValidIdempotencyKey(key)) {
      return core::Error::Invalid("invalid_header", "Idempotency-Key must be 1-255 visible ASCII characters");
    }
    idempotency = {std::string(key), req.body};
  }
  auto p = messaging::ParseSendRequest(who, body, idempotency);
  if (!p) return p;
  std::string prefer(req.Header("prefer"));  // RFC 7240: preference names are case-insensitive
  for (char& ch : prefer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (prefer.find("respond-async") != std::string::npos) p->async = true;
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

// Accepts a parsed send and answers: 202 at once for an async one, else when its outcome is known.
void AcceptAndAnswer(ApiContext& ctx, const tenancy::Principal& who, const ParsedSend& parsed,
                     http::Responder respond) {
  bool async = parsed.async;
  int64_t deadline = ctx.clock.NowMs() + ctx.sync_wait_ms;
  ctx.sender.Accept(who, parsed.cmd, [respond, async, deadline, &ctx](core::Result<messaging::Accepted> r) {
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

// A pre-send hook's verdict: deny → 422 and nothing queued; modify → the hook's message, validated
// like a fresh send, with the caller's tenant, outlet, idempotency key and async choice; a hook that
// did not answer → its failure policy.
void ApplyVerdict(ApiContext& ctx, const tenancy::Principal& who, const ParsedSend& parsed, const http::Request& req,
                  events::HookVerdict verdict, http::Responder respond) {
  using Kind = events::HookVerdict::Kind;
  switch (verdict.kind) {
    case Kind::kAllow:
      return AcceptAndAnswer(ctx, who, parsed, std::move(respond));
    case Kind::kDeny:
      return respond(http::ErrorResponse(
          core::Error{core::ErrorKind::kUnprocessable, "blocked_by_hook", "the pre-send hook denied this message"},
          {{"reason", verdict.reason}}));
    case Kind::kUnavailable:
      if (!verdict.fail_closed) return AcceptAndAnswer(ctx, who, parsed, std::move(respond));
      return respond(http::ErrorResponse(core::Error{
          core::ErrorKind::kUnavailable, "hook_unavailable",
          "the pre-send hook did not answer (" + verdict.reason + ") and its failure_policy is fail_closed"}));
    case Kind::kModify:
      break;
  }
  Json& message = verdict.message;
  message["outlet_id"] = parsed.cmd.outlet_id;
  if (who.is_admin) {
    message["tenant_id"] = parsed.cmd.tenant_id;
  } else {
    message.erase("tenant_id");
  }
  message["async"] = parsed.async;
  auto changed = ParseSendBody(who, message, req);
  if (!changed) {
    core::Error e{core::ErrorKind::kUnprocessable, "hook_modification_invalid",
                  "the pre-send hook's changed message is not a valid send: " + changed.error().message};
    e.field = changed.error().field;
    return respond(http::ErrorResponse(e));
  }
  changed->cmd.idempotency_key = parsed.cmd.idempotency_key;  // the caller's request, as the caller sent it
  changed->cmd.request_hash = parsed.cmd.request_hash;
  AcceptAndAnswer(ctx, who, *changed, std::move(respond));
}

void Send(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  auto parsed = ParseSendBody(*who, *body, req);
  if (!parsed) return respond(http::ErrorResponse(parsed.error()));
  if (!ctx.hooks.Applies(parsed->cmd.tenant_id, parsed->cmd.outlet_id)) {
    return AcceptAndAnswer(ctx, *who, *parsed, std::move(respond));
  }
  // The verdict comes later, on another thread: what it needs is kept.
  auto kept =
      std::make_shared<std::tuple<tenancy::Principal, ParsedSend, http::Request>>(*who, std::move(*parsed), req);
  ctx.hooks.Check(std::get<1>(*kept).cmd.tenant_id, std::get<1>(*kept).cmd.outlet_id, *body,
                  [&ctx, kept, respond = std::move(respond)](events::HookVerdict v) mutable {
                    auto& [principal, send, request] = *kept;
                    ApplyVerdict(ctx, principal, send, request, std::move(v), std::move(respond));
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
