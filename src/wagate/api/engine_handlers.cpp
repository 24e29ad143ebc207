// The delivery engine seen from the API: lanes and dead letters.
#include "wagate/api/auth.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/store/message_store.hpp"

namespace wagate::api {
namespace {

using http::Json;

Json LaneJson(const std::string& outlet_id, const std::optional<engine::LaneView>& v) {
  if (!v) {
    return {
        {"outlet_id", outlet_id},  {"queued", 0},           {"ready_transactional", 0},
        {"ready_bulk", 0},         {"waiting", 0},          {"in_flight", 0},
        {"paused_until", nullptr}, {"dispatched", 0},       {"deferrals", {{"pair_rate", 0}, {"messaging_tier", 0}}},
        {"throttled_130429", 0},   {"throttled_131056", 0}, {"tier_used", 0}};
  }
  const auto& s = v->snapshot;
  return {{"outlet_id", outlet_id},
          {"queued", s.ready_transactional + s.ready_bulk + s.waiting},
          {"ready_transactional", s.ready_transactional},
          {"ready_bulk", s.ready_bulk},
          {"waiting", s.waiting},
          {"in_flight", s.in_flight},
          {"paused_until", s.paused_until_ms ? Json(core::FormatIso8601(s.paused_until_ms)) : Json(nullptr)},
          {"dispatched", s.counters.dispatched},
          {"deferrals",
           {{"pair_rate", s.counters.deferred_pair_rate}, {"messaging_tier", s.counters.deferred_messaging_tier}}},
          {"throttled_130429", s.counters.throttled},
          {"throttled_131056", s.counters.pair_throttled},
          {"tier_used", s.tier_used},
          {"limits",
           {{"throughput_mps", v->settings.throughput_mps},
            {"pair_burst", v->settings.pair.burst},
            {"pair_interval_ms", v->settings.pair.interval_ms},
            {"messaging_tier", v->settings.messaging_tier ? Json(*v->settings.messaging_tier) : Json(nullptr)},
            {"max_in_flight", v->settings.max_in_flight}}}};
}

void GetLane(ApiContext& ctx, http::Request& req, http::Responder respond) {
  const std::string& id = req.params["id"];
  auto outlet = AuthenticateForOutlet(ctx, req, id);
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  respond(http::JsonResponse(200, LaneJson(id, ctx.dispatcher.Lane(id))));
}

// Optional query/body time: unix milliseconds or nothing.
core::Result<store::DeadLetterFilter> ReadFilter(const tenancy::Principal& who, const Json& src) {
  core::FieldErrors errors;
  core::ObjectReader f(src, "", errors);
  store::DeadLetterFilter filter;
  filter.tenant_id = who.is_admin ? f.String("tenant_id", false, 64, 0) : std::optional<std::string>(who.tenant_id);
  filter.outlet_id = f.String("outlet_id", false, 64, 0);
  filter.error_code = f.Int("error_code", false, 0, 10'000'000);
  filter.since_ms = f.Int("since_ms", false, 0, 1LL << 50);
  filter.until_ms = f.Int("until_ms", false, 0, 1LL << 50);
  filter.limit = f.Int("limit", false, 1, 10000).value_or(100);
  filter.reason = f.String("reason", false, 16, 0);
  if (f.ok() && filter.reason && *filter.reason != "failed" && *filter.reason != "in_doubt") {
    f.Fail("reason", "must be \"failed\" or \"in_doubt\"");
  }
  if (!f.ok()) return f.error();
  return filter;
}

// Query parameters as a JSON object of the right types, so both forms share one reader.
Json QueryObject(const http::Request& req) {
  Json o = Json::object();
  for (const char* name : {"tenant_id", "outlet_id", "reason"}) {
    if (auto v = req.Query(name)) o[name] = *v;
  }
  for (const char* name : {"error_code", "since_ms", "until_ms", "limit"}) {
    if (auto v = req.Query(name)) {
      char* end = nullptr;
      long long n = std::strtoll(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0') {
        o[name] = *v;  // the reader reports "must be an integer"
      } else {
        o[name] = n;
      }
    }
  }
  return o;
}

Json DeadLetterJson(const store::MessageRecord& m) {
  bool in_doubt = m.status == core::MessageStatus::kUnknown;
  return {{"message_id", m.id},
          {"tenant_id", m.tenant_id},
          {"outlet_id", m.outlet_id},
          {"to", m.to_number},
          {"status", core::ToString(m.status)},
          // in_doubt: the last request may have reached Meta; a retry may deliver it twice
          {"reason", in_doubt ? "in_doubt" : "failed"},
          {"attempts", m.attempts},
          {"failed_at", m.failed_at ? Json(core::FormatIso8601(*m.failed_at)) : Json(nullptr)},
          {"in_doubt_since", in_doubt && m.claimed_at ? Json(core::FormatIso8601(*m.claimed_at)) : Json(nullptr)},
          {"accepted_by_meta", m.wamid.has_value()},
          {"error", m.error ? Json{{"code", m.error->code}, {"title", m.error->title}, {"details", m.error->details}}
                            : Json(nullptr)}};
}

void ListDeadLetters(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto filter = ReadFilter(*who, QueryObject(req));
  if (!filter) return respond(http::ErrorResponse(filter.error()));
  auto list = ctx.messages.ListDeadLetters(*filter);
  Json out = Json::array();
  for (const auto& m : list) out.push_back(DeadLetterJson(m));
  respond(http::JsonResponse(200, {{"dead_letters", out}}));
}

// Re-queues the given dead letters in one transaction; each at most once, never one Meta accepted.
void Requeue(ApiContext& ctx, std::vector<store::MessageRecord> candidates, http::Responder respond) {
  ctx.dead_letters.Requeue(std::move(candidates), [respond](core::Result<messaging::RequeueReport> r) {
    if (!r) return respond(http::ErrorResponse(r.error()));
    respond(http::JsonResponse(
        200, {{"retried", r->requeued.size()}, {"skipped", r->skipped}, {"message_ids", r->requeued}}));
  });
}

void RetryOne(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto m = ctx.messages.Get(req.params["id"]);
  bool dead = m && (m->status == core::MessageStatus::kFailed || m->status == core::MessageStatus::kUnknown);
  if (!m || !who->CanSee(m->tenant_id) || !dead) {
    return respond(http::ErrorResponse(core::Error::NotFound("dead letter")));
  }
  if (m->wamid) {
    return respond(
        http::ErrorResponse(core::Error{core::ErrorKind::kConflict, "already_accepted",
                                        "Meta accepted this message before it failed; resending would duplicate it"}));
  }
  Requeue(ctx, {*m}, std::move(respond));
}

void RetryMany(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Authenticate(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  Json body = Json::object();
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = core::ParseJsonObject(req.body);
    if (!parsed) return respond(http::ErrorResponse(parsed.error()));
    body = std::move(*parsed);
  }
  auto filter = ReadFilter(*who, body);
  if (!filter) return respond(http::ErrorResponse(filter.error()));
  if (!body.contains("limit")) filter->limit = 10000;
  auto list = ctx.messages.ListDeadLetters(*filter);
  Requeue(ctx, std::move(list), std::move(respond));
}

// The engine's pacing on this machine (admin): the send window's current jitter margin and the
// scheduling stalls it was sized from, so an operator sees why lanes run below their limit.
void GetPacing(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = RequireAdmin(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  Json out = Json::object();
  if (ctx.pacing_margin) {
    const auto& s = ctx.pacing_margin->settings();
    out["margin_ms"] = ctx.pacing_margin->CurrentMs();
    out["margin_floor_ms"] = s.floor_ms;
    out["margin_max_ms"] = s.max_ms;
    out["stall_memory_ms"] = s.memory_ms;
  }
  Json stalls = Json::array();
  if (ctx.stalls) {
    for (const auto& e : ctx.stalls->Episodes()) stalls.push_back({{"at_ms", e.at_ms}, {"lag_ms", e.lag_ms}});
    out["max_stall_ms"] = ctx.stalls->MaxLagMs();
  }
  out["stalls"] = std::move(stalls);
  respond(http::JsonResponse(200, out));
}

}  // namespace

void RegisterEngineRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/engine/pacing", [&ctx](http::Request& r, http::Responder p) { GetPacing(ctx, r, p); });
  router.Add("GET", "/api/v1/outlets/{id}/lane", [&ctx](http::Request& r, http::Responder p) { GetLane(ctx, r, p); });
  router.Add("GET", "/api/v1/dead-letters",
             [&ctx](http::Request& r, http::Responder p) { ListDeadLetters(ctx, r, p); });
  router.Add("POST", "/api/v1/dead-letters/retry",
             [&ctx](http::Request& r, http::Responder p) { RetryMany(ctx, r, p); });
  router.Add("POST", "/api/v1/dead-letters/{id}/retry",
             [&ctx](http::Request& r, http::Responder p) { RetryOne(ctx, r, p); });
}

}  // namespace wagate::api
