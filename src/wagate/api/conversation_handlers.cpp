// Conversations: the list, one conversation, its history in both directions, and marking it read.
// Tenant-scoped like everything else: another tenant's conversation answers 404.
#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::api {
namespace {

using http::Json;

using store::DirectionName;
using store::Embedded;
using store::InboundJson;
using store::OptTime;

// The service window depends on when the conversation is shown.
Json ConversationJson(const store::ConversationRecord& c, int64_t now) {
  Json j = store::ConversationJson(c);
  std::optional<int64_t> expires;
  if (c.last_inbound_at) expires = *c.last_inbound_at + conversation::ContactWindows::kWindowMs;
  j["service_window"] = {{"open", expires && *expires > now}, {"expires_at", OptTime(expires)}};
  return j;
}

Json OutboundJson(const store::HistoryItem& h) {
  Json graph = core::ParseUntrustedJson(h.graph_request);
  Json content = graph.is_object() && graph.contains(h.type) ? graph[h.type] : Json(nullptr);
  Json context = graph.is_object() && graph.contains("context") ? graph["context"] : Json(nullptr);
  Json error = nullptr;
  if (h.error && (h.status == core::MessageStatus::kFailed || h.status == core::MessageStatus::kQueued)) {
    error = {{"code", h.error->code}, {"title", h.error->title}, {"details", h.error->details}};
  }
  return {{"content", content},
          {"preview", h.body_text ? Json(*h.body_text) : Json(nullptr)},
          {"context", context},
          {"status", core::ToString(h.status)},
          {"conversation_id", h.caller_conversation_id ? Json(*h.caller_conversation_id) : Json(nullptr)},
          {"error", error},
          {"sent_at", OptTime(h.sent_at)},
          {"delivered_at", OptTime(h.delivered_at)},
          {"read_at", OptTime(h.read_at)},
          {"failed_at", OptTime(h.failed_at)}};
}

Json HistoryJson(const store::HistoryItem& h) {
  Json reactions = Json::array();
  for (const auto& r : h.reactions) {
    reactions.push_back({{"emoji", r.emoji}, {"from", r.from}, {"timestamp", core::FormatIso8601(r.at_ms)}});
  }
  Json j = h.inbound ? InboundJson(*h.inbound) : OutboundJson(h);
  j["id"] = h.id;
  j["direction"] = DirectionName(h.direction);
  j["type"] = h.type;
  j["whatsapp_message_id"] = h.wamid ? Json(*h.wamid) : Json(nullptr);
  j["timestamp"] = core::FormatIso8601(h.at_ms);
  j["reactions"] = reactions;
  return j;
}

// Cursors are opaque to callers: "<time>.<i|o>.<id>" (history) and "<updated_at>.<id>" (list).
std::optional<int64_t> LeadingNumber(const std::string& s, size_t* dot) {
  *dot = s.find('.');
  if (*dot == std::string::npos || *dot == 0 || *dot > 15) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i < *dot; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

core::Result<std::optional<store::ConversationCursor>> ListCursor(const http::Request& req) {
  auto text = req.Query("cursor");
  if (!text) return std::optional<store::ConversationCursor>();
  size_t dot = 0;
  auto at = LeadingNumber(*text, &dot);
  if (!at || dot + 1 >= text->size()) return QueryError("query 'cursor' is not a cursor this API gave");
  return std::optional<store::ConversationCursor>(store::ConversationCursor{*at, text->substr(dot + 1)});
}

core::Result<std::optional<store::HistoryCursor>> HistoryCursorParam(const http::Request& req) {
  auto text = req.Query("cursor");
  if (!text) return std::optional<store::HistoryCursor>();
  size_t dot = 0;
  auto at = LeadingNumber(*text, &dot);
  if (!at || text->size() < dot + 4 || (text->at(dot + 1) != 'i' && text->at(dot + 1) != 'o') ||
      text->at(dot + 2) != '.') {
    return QueryError("query 'cursor' is not a cursor this API gave");
  }
  store::Direction d = text->at(dot + 1) == 'i' ? store::Direction::kInbound : store::Direction::kOutbound;
  return std::optional<store::HistoryCursor>(store::HistoryCursor{*at, d, text->substr(dot + 3)});
}

// A conversation the caller may see; another tenant's is "not found".
core::Result<store::ConversationRecord> Visible(ApiContext& ctx, const http::Request& req,
                                                const tenancy::Principal& who) {
  auto c = ctx.conversations.Get(req.params.at("id"));
  if (!c || !who.CanSee(c->tenant_id)) return core::Error::NotFound("conversation");
  return *c;
}

core::Result<store::ConversationFilter> ReadListFilter(ApiContext& ctx, const http::Request& req,
                                                       const tenancy::Principal& who) {
  store::ConversationFilter f;
  f.tenant_id = who.is_admin ? req.Query("tenant_id") : std::optional<std::string>(who.tenant_id);
  f.outlet_id = req.Query("outlet_id");
  if (f.outlet_id) {
    auto outlet = AuthenticateForOutlet(ctx, req, *f.outlet_id);
    if (!outlet) return outlet.error();
  }
  auto unread = ChoiceParam(req, "unread", {"true", "false"});
  auto since = TimeParam(req, "updated_since");
  auto limit = LimitParam(req, 50, 200);
  auto cursor = ListCursor(req);
  if (!unread) return unread.error();
  if (!since) return since.error();
  if (!limit) return limit.error();
  if (!cursor) return cursor.error();
  f.unread_only = *unread == "true";
  f.updated_since_ms = *since;
  f.limit = *limit;
  f.after = *cursor;
  return f;
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto filter = ReadListFilter(ctx, req, *who);
  if (!filter) return respond(http::ErrorResponse(filter.error()));
  auto list = ctx.conversations.List(*filter);
  int64_t now = ctx.clock.NowMs();
  Json out = Json::array();
  for (const auto& c : list) out.push_back(ConversationJson(c, now));
  Json next = nullptr;
  if (static_cast<int64_t>(list.size()) == filter->limit) {
    next = std::to_string(list.back().updated_at) + "." + list.back().id;
  }
  respond(http::JsonResponse(200, {{"conversations", out}, {"next_cursor", next}}));
}

void Get(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto c = Visible(ctx, req, *who);
  respond(c ? http::JsonResponse(200, ConversationJson(*c, ctx.clock.NowMs())) : http::ErrorResponse(c.error()));
}

void Messages(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto c = Visible(ctx, req, *who);
  if (!c) return respond(http::ErrorResponse(c.error()));
  auto direction = ChoiceParam(req, "direction", {"inbound", "outbound"});
  auto limit = LimitParam(req, 50, 200);
  auto cursor = HistoryCursorParam(req);
  if (!direction) return respond(http::ErrorResponse(direction.error()));
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  if (!cursor) return respond(http::ErrorResponse(cursor.error()));
  store::HistoryFilter f{c->id, std::nullopt, *cursor, *limit};
  if (*direction) f.direction = **direction == "inbound" ? store::Direction::kInbound : store::Direction::kOutbound;
  auto items = ctx.conversations.History(f);
  Json out = Json::array();
  for (const auto& h : items) out.push_back(HistoryJson(h));
  // Always the position after the last item (a history only grows at its end): an empty page means
  // "nothing newer yet", and the same cursor polls for what arrives later.
  Json next = req.Query("cursor") ? Json(*req.Query("cursor")) : Json(nullptr);
  if (!items.empty()) {
    const auto& last = items.back();
    next = std::to_string(last.at_ms) + (last.direction == store::Direction::kInbound ? ".i." : ".o.") + last.id;
  }
  respond(http::JsonResponse(200, {{"messages", out}, {"next_cursor", next}}));
}

void Read(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  bool receipt = false;
  if (!req.body.empty()) {
    auto body = core::ParseJsonObject(req.body);
    if (!body) return respond(http::ErrorResponse(body.error()));
    core::FieldErrors errors;
    core::ObjectReader f(*body, "", errors);
    f.AllowOnly({"receipt"});
    receipt = f.Bool("receipt").value_or(false);
    if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  }
  int64_t now = ctx.clock.NowMs();
  ctx.reads.MarkRead(*who, req.params.at("id"), receipt, [respond, now](core::Result<messaging::ReadResult> r) {
    if (!r) return respond(http::ErrorResponse(r.error()));
    Json j = ConversationJson(r->conversation, now);
    j["receipt"] = r->receipt ? Json{{"message_id", r->receipt->id}, {"status", core::ToString(r->receipt->status)}}
                              : Json(nullptr);
    respond(http::JsonResponse(200, j));
  });
}

}  // namespace

void RegisterConversationRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/conversations",
             [&ctx](http::Request& r, http::Responder p) { List(ctx, r, std::move(p)); });
  router.Add("GET", "/api/v1/conversations/{id}",
             [&ctx](http::Request& r, http::Responder p) { Get(ctx, r, std::move(p)); });
  router.Add("GET", "/api/v1/conversations/{id}/messages",
             [&ctx](http::Request& r, http::Responder p) { Messages(ctx, r, std::move(p)); });
  router.Add("POST", "/api/v1/conversations/{id}/read",
             [&ctx](http::Request& r, http::Responder p) { Read(ctx, r, std::move(p)); });
}

}  // namespace wagate::api
