#include "wagate/store/record_json.hpp"

#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"

namespace wagate::store {
namespace {

Json ErrorJson(const std::optional<core::GraphError>& e) {
  if (!e) return nullptr;
  return {{"code", e->code}, {"title", e->title}, {"details", e->details}};
}

}  // namespace

Json OptTime(const std::optional<int64_t>& ms) { return ms ? Json(core::FormatIso8601(*ms)) : Json(nullptr); }

const char* DirectionName(Direction d) { return d == Direction::kInbound ? "inbound" : "outbound"; }

Json Embedded(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json j = core::ParseUntrustedJson(*text);
  return j.is_discarded() ? Json(nullptr) : j;
}

Json StatusJson(const MessageRecord& m) {
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

Json MessageJson(const MessageRecord& m) {
  Json j = StatusJson(m);
  j["tenant_id"] = m.tenant_id;
  j["outlet_id"] = m.outlet_id;
  j["conversation_id"] = m.conversation_id ? Json(*m.conversation_id) : Json(nullptr);
  j["wagate_conversation_id"] = m.conversation_ref ? Json(*m.conversation_ref) : Json(nullptr);
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
  j["expires_at"] = OptTime(m.expires_at);
  j["campaign_id"] = m.campaign_id ? Json(*m.campaign_id) : Json(nullptr);
  j["created_at"] = core::FormatIso8601(m.created_at);
  return j;
}

Json InboundJson(const core::InboundMessage& m) {
  Json context = nullptr;
  if (m.context_id || m.forwarded || m.frequently_forwarded) {
    context = {{"id", m.context_id ? Json(*m.context_id) : Json(nullptr)},
               {"from", m.context_from ? Json(*m.context_from) : Json(nullptr)},
               {"forwarded", m.forwarded},
               {"frequently_forwarded", m.frequently_forwarded}};
  }
  return {{"from", m.from},
          {"content", Embedded(m.content)},
          {"preview", m.preview},
          {"context", context},
          {"referral", Embedded(m.referral)},
          {"errors", Embedded(m.errors)},
          {"media_id", m.media_id ? Json(*m.media_id) : Json(nullptr)},
          {"status", "received"}};
}

Json ConversationJson(const ConversationRecord& c) {
  Json last = nullptr;
  if (c.last_message) {
    last = {{"id", c.last_message->id},
            {"direction", DirectionName(c.last_message->direction)},
            {"type", c.last_message->type},
            {"preview", c.last_message->preview},
            {"timestamp", core::FormatIso8601(c.last_message->at_ms)}};
  }
  return {{"id", c.id},
          {"outlet_id", c.outlet_id},
          {"customer",
           {{"wa_id", c.wa_id},
            {"phone", "+" + c.wa_id},
            {"name", c.profile_name ? Json(*c.profile_name) : Json(nullptr)}}},
          {"unread_count", c.unread_count},
          {"last_message", last},
          {"last_inbound_at", OptTime(c.last_inbound_at)},
          {"created_at", core::FormatIso8601(c.created_at)},
          {"updated_at", core::FormatIso8601(c.updated_at)}};
}

Json CampaignJson(const CampaignRecord& c) {
  const CampaignCounts& n = c.counts;
  Json errors = Json::object();
  for (const auto& [code, count] : c.errors) errors[std::to_string(code)] = count;
  Json message = core::ParseUntrustedJson(c.message);
  Json pacing = Json::object();
  if (c.pacing.max_mps) pacing["max_mps"] = *c.pacing.max_mps;
  if (c.pacing.delay_ms) pacing["delay_ms"] = *c.pacing.delay_ms;
  if (c.pacing.jitter_ms) pacing["jitter_ms"] = *c.pacing.jitter_ms;
  return {{"id", c.id},
          {"tenant_id", c.tenant_id},
          {"outlet_id", c.outlet_id},
          {"name", c.name},
          {"status", ToString(c.status)},
          {"status_reason", c.status_reason ? Json(*c.status_reason) : Json(nullptr)},
          {"message", message},
          {"variables", c.variables},
          {"pacing", pacing},
          {"start_at", OptTime(c.start_at)},
          {"expires_at", OptTime(c.ValidUntil())},
          {"ttl_s", c.ttl_s ? Json(*c.ttl_s) : Json(nullptr)},
          {"counts",
           {{"total", n.total},
            {"invalid", n.invalid},
            {"duplicates", n.duplicates},
            {"suppressed", n.suppressed},
            {"queued", n.queued()},
            {"sent", n.sent},
            {"delivered", n.delivered},
            {"read", n.read},
            {"failed", n.failed},
            {"in_doubt", n.in_doubt},
            {"cancelled", n.cancelled},
            {"expired", n.expired},
            {"replied", n.replied}}},
          {"errors", errors},
          {"created_at", core::FormatIso8601(c.created_at)},
          {"started_at", OptTime(c.started_at)},
          {"completed_at", OptTime(c.completed_at)}};
}

}  // namespace wagate::store
