#include "wagate/store/event_payloads.hpp"

#include "wagate/core/json_parse.hpp"
#include "wagate/core/phone.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::store {
namespace {

// The Standard Webhooks payload shape: {"type", "timestamp", "data"}.
OutboxEvent Event(const std::string& tenant_id, const std::string& type, std::string ordering_key, Json data,
                  int64_t now_ms) {
  OutboxEvent e;
  e.tenant_id = tenant_id;
  e.type = type;
  e.ordering_key = std::move(ordering_key);
  e.at_ms = now_ms;
  Json body = {{"type", type}, {"timestamp", core::FormatIso8601(now_ms)}, {"data", std::move(data)}};
  e.payload = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return e;
}

}  // namespace

const std::vector<std::string>& EventTypes() {
  static const std::vector<std::string> kTypes = {
      "message.queued",     "message.sent",       "message.delivered", "message.read",
      "message.failed",     "message.received",   "message.reaction",  "conversation.updated",
      "campaign.scheduled", "campaign.started",   "campaign.paused",   "campaign.resumed",
      "campaign.completed", "campaign.cancelled", "campaign.expired",  "subscription.disabled"};
  return kTypes;
}

bool EventMatches(const std::vector<std::string>& filter, std::string_view type) {
  for (const auto& f : filter) {
    if (f == type) return true;
    if (type == "ping") continue;  // a test ping is addressed to one subscription, never broadcast
    if (f == "*") return true;
    if (f.size() > 2 && f.ends_with(".*") && type.starts_with(std::string_view(f).substr(0, f.size() - 1))) return true;
  }
  return false;
}

std::string OrderingKey(const std::string& outlet_id, const std::string& customer) {
  return outlet_id + ":" + core::DigitsOf(customer);
}

std::optional<std::string> MessageEventType(const MessageRecord& m) {
  switch (m.status) {
    case core::MessageStatus::kQueued:
    case core::MessageStatus::kSent:
    case core::MessageStatus::kDelivered:
    case core::MessageStatus::kRead:
    case core::MessageStatus::kFailed:
      return "message." + std::string(core::ToString(m.status));
    default:
      return std::nullopt;
  }
}

OutboxEvent MessageEvent(const MessageRecord& m, const std::string& type, int64_t now_ms) {
  Json data = MessageJson(m);
  data["direction"] = "outbound";
  // The content as Graph gets it (the type's object): what a chat history shows.
  Json graph = core::ParseUntrustedJson(m.graph_request);
  data["content"] = graph.is_object() && graph.contains(m.message_type) ? graph[m.message_type] : Json(nullptr);
  data["timestamp"] = core::FormatIso8601(now_ms);
  return Event(m.tenant_id, type, OrderingKey(m.outlet_id, m.to_number), std::move(data), now_ms);
}

OutboxEvent ReceivedEvent(const InboundWrite& w, const std::string& conversation_id,
                          const std::optional<std::string>& caller_conversation_id, int64_t now_ms) {
  Json data = InboundJson(w.message);
  data["message_id"] = w.id;
  data["tenant_id"] = w.tenant_id;
  data["outlet_id"] = w.outlet_id;
  data["conversation_id"] = conversation_id;
  data["caller_conversation_id"] = caller_conversation_id ? Json(*caller_conversation_id) : Json(nullptr);
  data["direction"] = "inbound";
  data["message_type"] = w.message.type;
  data["whatsapp_message_id"] = w.message.wamid;
  data["timestamp"] = core::FormatIso8601(w.message.at_ms > 0 ? w.message.at_ms : now_ms);
  return Event(w.tenant_id, "message.received", OrderingKey(w.outlet_id, w.message.from), std::move(data), now_ms);
}

OutboxEvent ReactionEvent(const InboundWrite& w, int64_t now_ms) {
  Json data = {{"tenant_id", w.tenant_id},
               {"outlet_id", w.outlet_id},
               {"from", w.message.from},
               {"whatsapp_message_id", w.message.reaction_to.value_or("")},
               {"emoji", w.message.reaction_emoji},  // "" when the customer removed the reaction
               {"removed", w.message.reaction_emoji.empty()},
               {"reaction_id", w.message.wamid},
               {"timestamp", core::FormatIso8601(w.message.at_ms > 0 ? w.message.at_ms : now_ms)}};
  return Event(w.tenant_id, "message.reaction", OrderingKey(w.outlet_id, w.message.from), std::move(data), now_ms);
}

OutboxEvent ConversationEvent(const ConversationRecord& c, int64_t now_ms) {
  Json data = ConversationJson(c);
  data["tenant_id"] = c.tenant_id;
  return Event(c.tenant_id, "conversation.updated", OrderingKey(c.outlet_id, c.wa_id), std::move(data), now_ms);
}

OutboxEvent SubscriptionDisabledEvent(const SubscriptionRecord& s, int64_t now_ms) {
  Json data = {{"subscription_id", s.id},
               {"tenant_id", s.tenant_id},
               {"url", s.url},
               {"reason", s.disabled_reason.value_or("")},
               {"failing_since", OptTime(s.failing_since)}};
  return Event(s.tenant_id, "subscription.disabled", "subscription:" + s.id, std::move(data), now_ms);
}

}  // namespace wagate::store

namespace wagate::store {

const char* ToString(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kSucceeded:
      return "succeeded";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view s) {
  if (s == "pending") return DeliveryStatus::kPending;
  if (s == "succeeded") return DeliveryStatus::kSucceeded;
  if (s == "failed") return DeliveryStatus::kFailed;
  return std::nullopt;
}

OutboxEvent CampaignEvent(const CampaignRecord& c, const std::string& type, int64_t now_ms) {
  return Event(c.tenant_id, type, "campaign:" + c.id, CampaignJson(c), now_ms);
}

}  // namespace wagate::store
