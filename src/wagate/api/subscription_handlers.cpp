// Outgoing event subscriptions: CRUD, secret rotation, test ping, the delivery log and replays.
// A tenant key sees its own subscriptions; another tenant's answer 404. The secret is answered only
// at creation and rotation.
#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/security/crypto.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::api {
namespace {

using http::Json;
using store::OptTime;

// The admin acts for any tenant (nullopt); a tenant key for its own.
std::optional<std::string> Scope(const tenancy::Principal& who) {
  return who.is_admin ? std::nullopt : std::optional<std::string>(who.tenant_id);
}

Json SubscriptionJson(const store::SubscriptionRecord& s) {
  // Custom header values may be credentials of the receiver: shown masked, like every secret.
  Json headers = Json::object();
  Json stored = core::ParseUntrustedJson(s.headers_json);
  if (stored.is_object()) {
    for (const auto& [name, value] : stored.items()) {
      headers[name] = value.is_string() ? security::MaskSecret(value.get<std::string>()) : "****";
    }
  }
  bool overlapping = s.previous_secret_sealed.has_value();
  return {{"id", s.id},
          {"tenant_id", s.tenant_id},
          {"url", s.url},
          {"events", s.events},
          {"headers", headers},
          {"kind", s.kind},
          {"enabled", s.enabled},
          {"ordered", s.ordered},
          {"disabled_reason", s.disabled_reason ? Json(*s.disabled_reason) : Json(nullptr)},
          {"failing_since", OptTime(s.failing_since)},
          {"previous_secret_expires_at", overlapping ? OptTime(s.previous_secret_expires_at) : Json(nullptr)},
          {"created_at", core::FormatIso8601(s.created_at)},
          {"updated_at", core::FormatIso8601(s.updated_at)}};
}

Json DeliveryJson(const store::DeliveryRecord& d) {
  Json attempts = Json::array();
  for (const auto& a : d.attempts) {
    attempts.push_back({{"at", core::FormatIso8601(a.at_ms)},
                        {"status_code", a.status_code ? Json(a.status_code) : Json(nullptr)},
                        {"latency_ms", a.latency_ms},
                        {"error_class", a.error_class.empty() ? Json(nullptr) : Json(a.error_class)},
                        {"response_excerpt", a.response_excerpt}});
  }
  bool pending = d.status == store::DeliveryStatus::kPending;
  return {{"id", "dlv_" + std::to_string(d.id)},
          {"subscription_id", d.subscription_id},
          {"webhook_id", d.webhook_id},
          {"event_type", d.event_type},
          {"status", store::ToString(d.status)},
          {"attempt_count", d.attempt_count},
          {"next_attempt_at", pending ? Json(core::FormatIso8601(d.next_attempt_at)) : Json(nullptr)},
          {"created_at", core::FormatIso8601(d.created_at)},
          {"finished_at", OptTime(d.finished_at)},
          {"attempts", attempts}};
}

// "dlv_123" → 123.
std::optional<int64_t> DeliveryId(const std::string& text) {
  if (!text.starts_with("dlv_") || text.size() > 24 || text.size() < 5) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 4; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  return n;
}

core::Result<events::SubscriptionInput> ReadInput(const Json& body, bool creating) {
  core::FieldErrors errors;
  core::ObjectReader f(body, "", errors);
  f.AllowOnly({"tenant_id", "url", "events", "headers", "secret", "enabled", "ordered", "kind"});
  events::SubscriptionInput in;
  in.url = f.String("url", creating, 2048, 1);
  if (const Json* list = f.Array("events", false, 1, 32)) {
    std::vector<std::string> events;
    for (const auto& e : *list) {
      if (!e.is_string()) {
        f.Fail("events", "must be an array of event type strings");
        break;
      }
      events.push_back(e.get<std::string>());
    }
    in.events = std::move(events);
  }
  if (body.contains("headers")) {
    const Json& h = body["headers"];
    if (!h.is_object()) {
      f.Fail("headers", "must be an object of header names to string values");
    } else {
      std::map<std::string, std::string> headers;
      for (const auto& [name, value] : h.items()) {
        if (!value.is_string()) {
          f.Fail("headers", "must be an object of header names to string values");
          break;
        }
        headers[name] = value.get<std::string>();
      }
      in.headers = std::move(headers);
    }
  }
  in.secret = f.String("secret", false, 200, 1);
  in.enabled = f.Bool("enabled");
  in.ordered = f.Bool("ordered");
  in.kind = f.OneOf("kind", false, {"webhook", "conversation_service"});
  if (!creating && body.contains("kind")) f.Fail("kind", "cannot be changed; create a new subscription");
  if (!f.ok()) return f.error();
  return in;
}

void Create(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  auto tenant = f.String("tenant_id", who.is_admin, 64, 1);
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  std::string tenant_id = tenant.value_or(who.tenant_id);
  if (!who.CanSee(tenant_id)) return respond(http::ErrorResponse(core::Error::NotFound("tenant")));
  auto input = ReadInput(*body, true);
  if (!input) return respond(http::ErrorResponse(input.error()));
  auto created = ctx.subscriptions.Create(tenant_id, *input);
  if (!created) return respond(http::ErrorResponse(created.error()));
  Json j = SubscriptionJson(created->subscription);
  j["secret"] = created->secret;
  respond(http::JsonResponse(201, j));
}

void List(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  std::optional<std::string> tenant = who.is_admin ? req.Query("tenant_id") : Scope(who);
  Json out = Json::array();
  for (const auto& s : ctx.event_store.ListSubscriptions(tenant)) out.push_back(SubscriptionJson(s));
  respond(http::JsonResponse(200, {{"subscriptions", out}}));
}

void Update(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  if (body->contains("tenant_id")) {
    return respond(http::ErrorResponse(core::Error::InvalidField("tenant_id", "cannot be changed")));
  }
  auto input = ReadInput(*body, false);
  if (!input) return respond(http::ErrorResponse(input.error()));
  auto updated = ctx.subscriptions.Update(Scope(who), req.params["id"], *input);
  respond(updated ? http::JsonResponse(200, SubscriptionJson(*updated)) : http::ErrorResponse(updated.error()));
}

void Rotate(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  Json body = Json::object();
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = core::ParseJsonObject(req.body);
    if (!parsed) return respond(http::ErrorResponse(parsed.error()));
    body = std::move(*parsed);
  }
  core::FieldErrors errors;
  core::ObjectReader f(body, "", errors);
  f.AllowOnly({"overlap_s"});
  auto overlap = f.Int("overlap_s", false, 0, events::Subscriptions::kMaxOverlapS);
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto rotated = ctx.subscriptions.RotateSecret(Scope(who), req.params["id"], overlap.value_or(86400));
  if (!rotated) return respond(http::ErrorResponse(rotated.error()));
  Json j = SubscriptionJson(rotated->subscription);
  j["secret"] = rotated->secret;
  respond(http::JsonResponse(200, j));
}

void Test(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto delivery = ctx.subscriptions.Ping(Scope(who), req.params["id"]);
  if (!delivery) return respond(http::ErrorResponse(delivery.error()));
  ctx.deliverer.Wake();
  respond(http::JsonResponse(202, {{"delivery_id", "dlv_" + std::to_string(*delivery)}, {"event_type", "ping"}}));
}

// The subscription, if the caller may see it.
core::Result<store::SubscriptionRecord> Visible(ApiContext& ctx, const tenancy::Principal& who, const std::string& id) {
  auto s = ctx.event_store.GetSubscription(Scope(who), id);
  if (!s) return core::Error::NotFound("subscription");
  return *s;
}

void Deliveries(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto s = Visible(ctx, who, req.params["id"]);
  if (!s) return respond(http::ErrorResponse(s.error()));
  store::DeliveryFilter filter;
  filter.subscription_id = s->id;
  auto status = ChoiceParam(req, "status", {"pending", "succeeded", "failed"});
  if (!status) return respond(http::ErrorResponse(status.error()));
  if (*status) filter.status = store::ParseDeliveryStatus(**status);
  filter.event_type = req.Query("event_type");
  auto since = TimeParam(req, "since");
  if (!since) return respond(http::ErrorResponse(since.error()));
  filter.since_ms = *since;
  if (auto cursor = req.Query("cursor")) {
    auto id = DeliveryId(*cursor);
    if (!id) return respond(http::ErrorResponse(QueryError("query 'cursor' is not a cursor this API gave")));
    filter.before_id = *id;
  }
  auto limit = LimitParam(req, 50, 200);
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  filter.limit = *limit;
  auto list = ctx.event_store.ListDeliveries(filter);
  Json out = Json::array();
  for (const auto& d : list) out.push_back(DeliveryJson(d));
  bool full = static_cast<int64_t>(list.size()) == filter.limit;
  Json next = full ? Json("dlv_" + std::to_string(list.back().id)) : Json(nullptr);
  respond(http::JsonResponse(200, {{"deliveries", out}, {"next_cursor", next}}));
}

void GetDelivery(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto s = Visible(ctx, who, req.params["id"]);
  if (!s) return respond(http::ErrorResponse(s.error()));
  auto id = DeliveryId(req.params["did"]);
  auto d = id ? ctx.event_store.GetDelivery(s->id, *id) : std::nullopt;
  respond(d ? http::JsonResponse(200, DeliveryJson(*d)) : http::ErrorResponse(core::Error::NotFound("delivery")));
}

void ReplayOne(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto s = Visible(ctx, who, req.params["id"]);
  if (!s) return respond(http::ErrorResponse(s.error()));
  auto id = DeliveryId(req.params["did"]);
  if (!id) return respond(http::ErrorResponse(core::Error::NotFound("delivery")));
  auto replayed = ctx.event_store.Replay(s->id, *id, ctx.clock.NowMs());
  if (!replayed) return respond(http::ErrorResponse(replayed.error()));
  ctx.deliverer.Wake();
  respond(http::JsonResponse(202, DeliveryJson(*replayed)));
}

void ReplayAll(ApiContext& ctx, const tenancy::Principal& who, http::Request& req, http::Responder respond) {
  auto s = Visible(ctx, who, req.params["id"]);
  if (!s) return respond(http::ErrorResponse(s.error()));
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  core::FieldErrors errors;
  core::ObjectReader f(*body, "", errors);
  f.AllowOnly({"since", "status"});
  auto since_text = f.String("since", true, 64, 1);
  auto status = f.OneOf("status", false, {"failed", "succeeded"});
  std::optional<int64_t> since;
  if (f.ok()) {
    since = core::ParseIso8601(*since_text);
    if (!since) f.Fail("since", "must be an ISO 8601 time, e.g. 2026-12-03T17:10:00Z");
  }
  if (!f.ok()) return respond(http::ErrorResponse(f.error()));
  auto n = ctx.event_store.ReplayAll(
      s->id, *since, store::ParseDeliveryStatus(status.value_or("failed")).value_or(store::DeliveryStatus::kFailed),
      ctx.clock.NowMs());
  if (!n) return respond(http::ErrorResponse(n.error()));
  ctx.deliverer.Wake();
  respond(http::JsonResponse(202, {{"replayed", *n}}));
}

template <typename Fn>
http::Handler Authed(ApiContext& ctx, Fn fn) {
  return [&ctx, fn](http::Request& req, http::Responder respond) {
    auto who = Authenticate(ctx, req);
    if (!who) return respond(http::ErrorResponse(who.error()));
    fn(ctx, *who, req, std::move(respond));
  };
}

}  // namespace

void RegisterSubscriptionRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/subscriptions", Authed(ctx, Create));
  router.Add("GET", "/api/v1/subscriptions", Authed(ctx, List));
  router.Add("GET", "/api/v1/subscriptions/{id}",
             Authed(ctx, [](ApiContext& c, const tenancy::Principal& who, http::Request& req, http::Responder r) {
               auto s = Visible(c, who, req.params["id"]);
               r(s ? http::JsonResponse(200, SubscriptionJson(*s)) : http::ErrorResponse(s.error()));
             }));
  router.Add("PATCH", "/api/v1/subscriptions/{id}", Authed(ctx, Update));
  router.Add("DELETE", "/api/v1/subscriptions/{id}",
             Authed(ctx, [](ApiContext& c, const tenancy::Principal& who, http::Request& req, http::Responder r) {
               core::Status s = c.subscriptions.Delete(Scope(who), req.params["id"]);
               if (!s.ok()) return r(http::ErrorResponse(s.error()));
               http::Response gone;
               gone.status = 204;
               r(std::move(gone));
             }));
  router.Add("POST", "/api/v1/subscriptions/{id}/rotate-secret", Authed(ctx, Rotate));
  router.Add("POST", "/api/v1/subscriptions/{id}/test", Authed(ctx, Test));
  router.Add("GET", "/api/v1/subscriptions/{id}/deliveries", Authed(ctx, Deliveries));
  router.Add("GET", "/api/v1/subscriptions/{id}/deliveries/{did}", Authed(ctx, GetDelivery));
  router.Add("POST", "/api/v1/subscriptions/{id}/deliveries/{did}/replay", Authed(ctx, ReplayOne));
  router.Add("POST", "/api/v1/subscriptions/{id}/replay", Authed(ctx, ReplayAll));
}

}  // namespace wagate::api
