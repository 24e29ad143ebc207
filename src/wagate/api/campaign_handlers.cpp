// Campaigns: create, recipients (CSV or JSON, streamed), lifecycle, progress (JSON and a live
// Server-Sent Events stream), rejected rows and the per-recipient export (CSV, streamed).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "wagate/api/auth.hpp"
#include "wagate/api/query_params.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/campaigns/campaign_service.hpp"
#include "wagate/campaigns/estimate.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::api {
namespace {

using http::Json;
using store::CampaignRecord;
using store::OptTime;

// A recipients upload: 1,000,000 rows of a few variables fit well within it.
constexpr size_t kRecipientsBodyLimit = 512u << 20;

// Members of a campaign body that are not the message's content.
const std::vector<std::string_view> kCampaignMembers = {"tenant_id", "outlet_id", "name",      "pacing",
                                                        "start_at",  "ttl_s",     "expires_at"};

Json CampaignJson(ApiContext& ctx, const CampaignRecord& c) {
  campaigns::LaneCapacity lane;
  if (auto outlet = ctx.outlets.ById(c.outlet_id)) {
    lane.throughput_mps = outlet->throughput_mps;
    lane.messaging_tier = outlet->messaging_tier;
  }
  if (auto view = ctx.dispatcher.Lane(c.outlet_id)) lane.tier_used = static_cast<int64_t>(view->snapshot.tier_used);
  campaigns::Estimate e = campaigns::EstimateProgress(c, lane, ctx.clock.NowMs());
  Json out = store::CampaignJson(c);
  out["rate_mps"] = std::round(e.rate_mps * 100.0) / 100.0;
  out["eta"] = OptTime(e.eta_ms);
  return out;
}

bool Ended(store::CampaignStatus s) {
  return s == store::CampaignStatus::kCompleted || s == store::CampaignStatus::kCancelled ||
         s == store::CampaignStatus::kExpired;
}

// An ISO 8601 time member; nullopt when absent (a failure is kept in `f`).
std::optional<int64_t> TimeMember(const core::ObjectReader& f, std::string_view name) {
  auto text = f.String(name, false, 64, 1);
  if (!text) return std::nullopt;
  auto ms = core::ParseIso8601(*text);
  if (!ms) f.Fail(name, "must be an ISO 8601 time, e.g. 2026-12-24T09:00:00Z");
  return ms;
}

core::Result<campaigns::CampaignSpec> ParseCampaign(const tenancy::Principal& who, const Json& body) {
  core::FieldErrors errors;
  core::ObjectReader f(body, "", errors);
  campaigns::CampaignSpec spec;
  auto tenant = f.String("tenant_id", who.is_admin, 64, 1);
  spec.outlet_id = f.String("outlet_id", true, 64, 1).value_or("");
  spec.name = f.String("name", true, 200, 1).value_or("");
  core::ObjectReader pacing = f.Child("pacing", false);
  if (pacing.present()) {
    pacing.AllowOnly({"max_mps", "delay_ms", "jitter_ms"});
    spec.pacing.max_mps = pacing.Int("max_mps", false, 1, 1000);
    spec.pacing.delay_ms = pacing.Int("delay_ms", false, 0, 3600 * 1000);
    spec.pacing.jitter_ms = pacing.Int("jitter_ms", false, 0, 3600 * 1000);
    if (spec.pacing.jitter_ms && !spec.pacing.delay_ms) pacing.Fail("jitter_ms", "needs delay_ms");
  }
  spec.start_at = TimeMember(f, "start_at");
  spec.expires_at = TimeMember(f, "expires_at");
  spec.ttl_s = f.Int("ttl_s", false, 1, 90 * 86400);
  if (f.ok() && spec.ttl_s && spec.expires_at) f.Fail("ttl_s", "cannot be given with expires_at (choose one)");
  if (!f.ok()) return f.error();
  spec.tenant_id = tenant.value_or(who.tenant_id);
  // The rest is the message, as in a send: message_type and its member (or `message` for text).
  for (const auto& [name, value] : body.items()) {
    if (std::find(kCampaignMembers.begin(), kCampaignMembers.end(), name) != kCampaignMembers.end()) continue;
    spec.message[name] = value;
  }
  std::string type = "text";
  if (auto it = spec.message.find("message_type"); it != spec.message.end() && it->is_string()) {
    type = it->get<std::string>();
  }
  for (const auto& [name, _] : spec.message.items()) {
    if (name == "message_type" || name == "message" || name == type) continue;
    return core::Error::InvalidField(name, "is not allowed in a campaign with message_type " + type);
  }
  return spec;
}

core::Result<tenancy::Principal> Caller(ApiContext& ctx, const http::Request& req) { return Authenticate(ctx, req); }

void Create(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto body = core::ParseJsonObject(req.body);
  if (!body) return respond(http::ErrorResponse(body.error()));
  auto spec = ParseCampaign(*who, *body);
  if (!spec) return respond(http::ErrorResponse(spec.error()));
  auto created = ctx.campaigns->Create(*who, *spec);
  if (!created) return respond(http::ErrorResponse(created.error()));
  respond(http::JsonResponse(201, CampaignJson(ctx, *created)));
}

void List(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::optional<store::CampaignStatus> status;
  if (auto s = req.Query("status")) {
    status = store::ParseCampaignStatus(*s);
    if (!status) return respond(http::ErrorResponse(QueryError("query 'status' is not a campaign status")));
  }
  auto limit = LimitParam(req, 50, 200);
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  auto list = ctx.campaigns->List(*who, req.Query("tenant_id"), status, req.Query("cursor"), *limit);
  Json out = Json::array();
  for (const auto& c : list) out.push_back(CampaignJson(ctx, c));
  Json next = static_cast<int64_t>(list.size()) == *limit ? Json(list.back().id) : Json(nullptr);
  respond(http::JsonResponse(200, {{"campaigns", out}, {"next_cursor", next}}));
}

void Get(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto c = ctx.campaigns->Get(*who, req.params["id"]);
  respond(c ? http::JsonResponse(200, CampaignJson(ctx, *c)) : http::ErrorResponse(c.error()));
}

void Act(ApiContext& ctx, http::Request& req, http::Responder respond, campaigns::CampaignAction action) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto c = ctx.campaigns->Apply(*who, req.params["id"], action);
  respond(c ? http::JsonResponse(200, CampaignJson(ctx, *c)) : http::ErrorResponse(c.error()));
}

// The body, piece by piece as it arrives (the route streams it: never held whole).
campaigns::ChunkReader BodyChunks(http::Request& req) {
  std::shared_ptr<http::BodyReader> stream = req.body_stream ? req.body_stream : http::StringBodyReader(req.body);
  return [stream](std::string& chunk) { return stream->Read(&chunk); };
}

void Upload(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::string type(req.Header("content-type"));
  campaigns::UploadFormat format;
  if (type.rfind("text/csv", 0) == 0) {
    format.kind = campaigns::UploadFormat::Kind::kCsv;
    format.phone_column = req.Query("phone_column").value_or("phone");
  } else if (type.rfind("application/json", 0) == 0) {
    format.kind = campaigns::UploadFormat::Kind::kJson;
  } else {
    return respond(http::ErrorResponse(
        core::Error{core::ErrorKind::kInvalidInput, "unsupported_media_type",
                    "recipients are uploaded as text/csv or application/json (got '" + type + "')"}));
  }
  auto counts = ctx.campaigns->Upload(*who, req.params["id"], format, BodyChunks(req));
  if (!counts) return respond(http::ErrorResponse(counts.error()));
  respond(http::JsonResponse(200, {{"accepted", counts->accepted},
                                   {"invalid", counts->invalid},
                                   {"duplicates", counts->duplicates},
                                   {"suppressed", counts->suppressed}}));
}

void Rejected(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  auto limit = LimitParam(req, 100, 1000);
  if (!limit) return respond(http::ErrorResponse(limit.error()));
  std::pair<int64_t, int64_t> after{0, 0};
  if (auto cursor = req.Query("cursor")) {
    size_t colon = cursor->find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("cursor");
      after = {std::stoll(cursor->substr(0, colon)), std::stoll(cursor->substr(colon + 1))};
    } catch (const std::exception&) {
      return respond(http::ErrorResponse(QueryError("query 'cursor' is not a cursor of this list")));
    }
  }
  auto rows = ctx.campaigns->Rejected(*who, req.params["id"], after, *limit);
  if (!rows) return respond(http::ErrorResponse(rows.error()));
  Json out = Json::array();
  for (const auto& [upload, r] : *rows) {
    out.push_back({{"upload", upload}, {"row", r.row}, {"phone", r.phone}, {"reason", r.reason}});
  }
  Json next = static_cast<int64_t>(rows->size()) == *limit
                  ? Json(std::to_string(rows->back().first) + ":" + std::to_string(rows->back().second.row))
                  : Json(nullptr);
  respond(http::JsonResponse(200, {{"rejected", out}, {"next_cursor", next}}));
}

// Server-Sent Events: `progress` at least once a second while the campaign lives, `completed` once it
// has ended (then the stream closes). Runs on the upstream pool: it holds its thread while open.
void Events(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::string id = req.params["id"];
  auto first = ctx.campaigns->Get(*who, id);
  if (!first) return respond(http::ErrorResponse(first.error()));
  http::Response head;
  head.content_type = "text/event-stream";
  head.headers = {{"cache-control", "no-cache"}, {"x-accel-buffering", "no"}};
  auto writer = respond.Stream(std::move(head));
  while (true) {
    auto c = ctx.campaigns->Get(*who, id);
    if (!c) break;  // deleted with its tenant
    bool ended = Ended(c->status);
    std::string data = CampaignJson(ctx, *c).dump();
    if (!writer->Write("event: progress\ndata: " + data + "\n\n")) return;
    if (ended) {
      if (!writer->Write("event: completed\ndata: " + data + "\n\n")) return;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  writer->Finish();
}

void Export(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto who = Caller(ctx, req);
  if (!who) return respond(http::ErrorResponse(who.error()));
  std::string id = req.params["id"];
  auto c = ctx.campaigns->Get(*who, id);
  if (!c) return respond(http::ErrorResponse(c.error()));
  http::Response head;
  head.content_type = "text/csv; charset=utf-8";
  head.headers = {{"content-disposition", "attachment; filename=\"" + id + ".csv\""}};
  auto writer = respond.Stream(std::move(head));
  // Lines are gathered into pieces of about 64 KiB: one socket write per piece, not per recipient.
  std::string piece;
  bool open = true;
  core::Status s = ctx.campaigns->Export(*who, id, [&](const std::string& line) {
    piece += line;
    if (piece.size() >= (64u << 10)) {
      open = writer->Write(piece);
      piece.clear();
    }
    return open;
  });
  if (!s.ok() || !open) return;  // the writer aborts the connection: a client never takes a cut file as whole
  if (!piece.empty() && !writer->Write(piece)) return;
  writer->Finish();
}

}  // namespace

core::Result<std::shared_ptr<void>> AdmitBulkUpload(ApiContext& ctx, const http::Request& head) {
  auto who = Authenticate(ctx, head);
  if (!who) return who.error();
  if (auto ticket = ctx.bulk_upload_slots.TryTake(who->is_admin ? "" : who->tenant_id)) return ticket;
  return core::Error{core::ErrorKind::kQuotaExceeded, "too_many_requests",
                     "too many recipient or suppression uploads at once for this tenant; retry when one has finished"};
}

void RegisterCampaignRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/v1/campaigns", [&ctx](http::Request& r, http::Responder p) { Create(ctx, r, p); });
  router.Add("GET", "/api/v1/campaigns", [&ctx](http::Request& r, http::Responder p) { List(ctx, r, p); });
  router.Add("GET", "/api/v1/campaigns/{id}", [&ctx](http::Request& r, http::Responder p) { Get(ctx, r, p); });
  // Streamed: read while it arrives; the admission refuses a bad key (or too many uploads at once)
  // before a byte of the body.
  router.AddStreamed(
      "POST", "/api/v1/campaigns/{id}/recipients", [&ctx](http::Request& r, http::Responder p) { Upload(ctx, r, p); },
      kRecipientsBodyLimit, [&ctx](const http::Request& head) { return AdmitBulkUpload(ctx, head); });
  router.Add("GET", "/api/v1/campaigns/{id}/rejected",
             [&ctx](http::Request& r, http::Responder p) { Rejected(ctx, r, p); });
  using Action = campaigns::CampaignAction;
  for (auto [path, action] : {std::pair{"start", Action::kStart}, std::pair{"pause", Action::kPause},
                              std::pair{"resume", Action::kResume}, std::pair{"cancel", Action::kCancel}}) {
    router.Add("POST", std::string("/api/v1/campaigns/{id}/") + path,
               [&ctx, action = action](http::Request& r, http::Responder p) { Act(ctx, r, p, action); });
  }
  router.Add(
      "GET", "/api/v1/campaigns/{id}/events", [&ctx](http::Request& r, http::Responder p) { Events(ctx, r, p); },
      http::Execution::kUpstream);
  router.Add(
      "GET", "/api/v1/campaigns/{id}/export", [&ctx](http::Request& r, http::Responder p) { Export(ctx, r, p); },
      http::Execution::kUpstream);
}

}  // namespace wagate::api
