// POST /_sandbox/numbers/{phone_number_id}/quality: Meta moves a business number to another messaging
// limit (cloud-api.md §7). The gateway gets the phone_number_quality_update webhook, and the sandbox
// enforces the new limit for that number from then on.
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/log.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

struct QualityUpdate {
  json value;                    // the change's value, as the webhook carries it
  std::optional<int64_t> limit;  // the number's new MessagingTier limit (0 = unlimited); nullopt: unchanged
};

// A tier name, or (as in business_capability_update) a number of conversations, -1 meaning unlimited.
std::optional<int64_t> ReadDailyLimit(const core::ObjectReader& fields, json& value) {
  static const std::string kName = "max_daily_conversations_per_business";
  const json* v = fields.Get(kName, false);
  if (!v) return std::nullopt;
  if (v->is_string() && LimitOfTier(v->get<std::string>())) {
    value[kName] = *v;
    return LimitOfTier(v->get<std::string>());
  }
  if (v->is_string() && v->get<std::string>() == "TIER_NOT_SET") {
    value[kName] = *v;
    return std::nullopt;
  }
  if (v->is_number_integer() && (v->get<int64_t>() == -1 || v->get<int64_t>() >= 1)) {
    value[kName] = *v;
    return v->get<int64_t>() == -1 ? 0 : v->get<int64_t>();
  }
  fields.Fail(
      kName, "must be one of: " + core::JoinChoices(MessagingTierNames()) + ", or a positive integer (-1 = unlimited)");
  return std::nullopt;
}

// {event?, current_limit, old_limit?, max_daily_conversations_per_business?}. The limit enforced is
// current_limit's; when that is TIER_NOT_SET, max_daily_conversations_per_business's (Meta's
// replacement for it); when neither sets one, the number keeps its limit.
core::Result<QualityUpdate> ReadQualityUpdate(const json& body, const std::string& phone_number_id) {
  static const std::vector<std::string> kEvents = {"ONBOARDING", "THROUGHPUT_UPGRADE", "UPGRADE", "DOWNGRADE",
                                                   "FLAGGED",    "UNFLAGGED"};
  core::FieldErrors errors;
  core::ObjectReader fields(body, "", errors);
  fields.AllowOnly({"event", "current_limit", "old_limit", "max_daily_conversations_per_business"});
  auto event = fields.OneOf("event", false, kEvents);
  auto current = fields.OneOf("current_limit", true, MessagingTierNames());
  auto old = fields.OneOf("old_limit", false, MessagingTierNames());
  if (!fields.ok()) return fields.error();
  QualityUpdate update;
  update.value = {{"display_phone_number", DisplayNumberFor(phone_number_id)},
                  {"event", event.value_or("THROUGHPUT_UPGRADE")},
                  {"current_limit", *current}};
  if (old) update.value["old_limit"] = *old;
  std::optional<int64_t> daily = ReadDailyLimit(fields, update.value);
  if (!fields.ok()) return fields.error();
  update.limit = LimitOfTier(*current);
  if (!update.limit) update.limit = daily;
  return update;
}

}  // namespace

void SandboxApp::HandleQuality(http::Request& request, http::Responder respond) {
  const std::string& phone_number_id = request.params["phone_number_id"];
  if (!AllDigits(phone_number_id)) {
    return respond(http::ErrorResponse(400, "invalid_field", "the phone number id in the path must be digits"));
  }
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  auto update = ReadQualityUpdate(*parsed, phone_number_id);
  if (!update.ok()) return respond(http::ErrorResponse(update.error()));
  if (update->limit) tier_.SetNumberLimit(phone_number_id, *update->limit);
  int64_t in_force = tier_.LimitFor(phone_number_id);
  core::LogInfo("sandbox", "phone number quality update",
                {{"phone_number_id", phone_number_id},
                 {"current_limit", update->value["current_limit"].get<std::string>()},
                 {"messaging_tier", in_force}});

  WebhookEvent event;
  event.kind = WebhookEvent::Kind::kPhoneQuality;
  event.waba_id = WabaForWebhooks(phone_number_id);
  event.phone_number_id = phone_number_id;
  event.timestamp_s = clock_.NowMs() / 1000;
  event.extra = std::make_shared<const json>(std::move(update->value));
  bool scheduled = webhooks_.Schedule(std::move(event), std::chrono::steady_clock::now());
  respond(http::JsonResponse(
      200, json{{"webhook_scheduled", scheduled}, {"messaging_tier", in_force > 0 ? json(in_force) : json(nullptr)}}));
}

}  // namespace wagate::sandbox
