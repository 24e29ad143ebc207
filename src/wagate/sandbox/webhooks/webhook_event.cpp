#include "wagate/sandbox/webhooks/webhook_event.hpp"

#include <algorithm>
#include <utility>

#include "wagate/sandbox/graph/graph_errors.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

json StatusJson(const WebhookEvent& e) {
  json status = {{"id", e.wamid},
                 {"status", e.status},
                 {"timestamp", std::to_string(e.timestamp_s)},
                 {"recipient_id", e.peer_wa_id}};
  if (e.status == "failed") {
    std::string title(DescribeGraphCode(e.error_code).title);
    status["errors"] =
        json::array({{{"code", e.error_code},
                      {"title", title},
                      {"message", title},
                      {"error_data", {{"details", e.error_details}}},
                      {"href", "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}}});
  }
  if (e.biz_opaque_callback_data) status["biz_opaque_callback_data"] = *e.biz_opaque_callback_data;
  if (e.pricing_category) {
    bool service = *e.pricing_category == "service";
    status["pricing"] = {{"billable", !service},
                         {"pricing_model", "PMP"},
                         {"type", service ? "free_customer_service" : "regular"},
                         {"category", *e.pricing_category}};
  }
  return status;
}

json MediaJson(const WebhookEvent& e) {
  const InboundMedia& m = *e.media;
  json media = {{"id", m.id}, {"mime_type", m.mime_type}, {"sha256", m.sha256}};
  if (!m.caption.empty()) media["caption"] = m.caption;
  if (e.message_type == "document" && !m.filename.empty()) media["filename"] = m.filename;
  if (e.message_type == "audio") media["voice"] = m.voice;
  if (e.message_type == "sticker") media["animated"] = m.animated;
  return media;
}

json InboundJson(const WebhookEvent& e) {
  json message = {
      {"from", e.peer_wa_id}, {"id", e.wamid}, {"timestamp", std::to_string(e.timestamp_s)}, {"type", e.message_type}};
  if (e.media) {
    message[e.message_type] = MediaJson(e);
  } else if (e.message_type == "text") {
    message["text"] = {{"body", e.text}};
  }
  if (e.extra) {
    for (const auto& [key, value] : e.extra->items()) message[key] = value;
  }
  return message;
}

json TemplateStatusJson(const TemplateStatusChange& c) {
  json value = {{"event", c.event},
                {"message_template_id", std::stoll(c.template_id)},
                {"message_template_name", c.name},
                {"message_template_language", c.language},
                {"reason", c.reason ? json(*c.reason) : json(nullptr)}};
  if (!c.category.empty()) value["message_template_category"] = c.category;
  return {{"field", "message_template_status_update"}, {"value", std::move(value)}};
}

json NewValue(const std::string& phone_number_id) {
  return json{{"messaging_product", "whatsapp"},
              {"metadata",
               {{"display_phone_number", DisplayNumberFor(phone_number_id)}, {"phone_number_id", phone_number_id}}}};
}

void AddMessagesEvent(const WebhookEvent& e,
                      std::vector<std::pair<std::pair<std::string, WebhookEvent::Kind>, json>>* values) {
  // Keyed by (phone number, kind) so a batch keeps Meta's grouping and the order of first appearance.
  json* value = nullptr;
  for (auto& [key, v] : *values) {
    if (key.first == e.phone_number_id && key.second == e.kind) value = &v;
  }
  if (!value) {
    values->push_back({{e.phone_number_id, e.kind}, NewValue(e.phone_number_id)});
    value = &values->back().second;
  }
  if (e.kind == WebhookEvent::Kind::kStatus) {
    (*value)["statuses"].push_back(StatusJson(e));
    return;
  }
  json& contacts = (*value)["contacts"];
  if (std::none_of(contacts.begin(), contacts.end(), [&](const json& c) { return c["wa_id"] == e.peer_wa_id; })) {
    contacts.push_back({{"profile", {{"name", e.profile_name}}}, {"wa_id", e.peer_wa_id}});
  }
  (*value)["messages"].push_back(InboundJson(e));
}

}  // namespace

std::string DisplayNumberFor(std::string_view phone_number_id) {
  std::string tail(phone_number_id.size() > 7 ? phone_number_id.substr(phone_number_id.size() - 7) : phone_number_id);
  while (tail.size() < 7) tail.insert(tail.begin(), '0');
  return "1555" + tail;
}

json BuildWebhookPayload(const std::vector<WebhookEvent>& events) {
  struct Entry {
    std::string waba_id;
    std::vector<std::pair<std::pair<std::string, WebhookEvent::Kind>, json>> values;  // field "messages"
    std::vector<json> account_changes;  // other fields: template status, phone number quality
    int64_t time_s = 0;
  };
  std::vector<Entry> entries;
  for (const WebhookEvent& e : events) {
    std::string waba = e.waba_id.empty() ? std::string(kSandboxWabaId) : e.waba_id;
    auto entry = std::find_if(entries.begin(), entries.end(), [&](const Entry& x) { return x.waba_id == waba; });
    if (entry == entries.end()) entry = entries.insert(entries.end(), Entry{waba, {}, {}, 0});
    if (e.kind == WebhookEvent::Kind::kTemplateStatus && e.template_change) {
      entry->account_changes.push_back(TemplateStatusJson(*e.template_change));
      if (entry->time_s == 0) entry->time_s = e.timestamp_s;
    } else if (e.kind == WebhookEvent::Kind::kPhoneQuality && e.extra) {
      entry->account_changes.push_back({{"field", "phone_number_quality_update"}, {"value", *e.extra}});
      if (entry->time_s == 0) entry->time_s = e.timestamp_s;
    } else {
      AddMessagesEvent(e, &entry->values);
    }
  }
  json out_entries = json::array();
  for (Entry& entry : entries) {
    json changes = json::array();
    for (auto& [key, value] : entry.values) changes.push_back({{"field", "messages"}, {"value", std::move(value)}});
    for (json& change : entry.account_changes) changes.push_back(std::move(change));
    json out = {{"id", entry.waba_id}, {"changes", std::move(changes)}};
    if (!entry.account_changes.empty()) out["time"] = entry.time_s;  // non-`messages` fields carry entry time
    out_entries.push_back(std::move(out));
  }
  return json{{"object", "whatsapp_business_account"}, {"entry", std::move(out_entries)}};
}

std::string SerializeAscii(const json& payload) {
  return payload.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

}  // namespace wagate::sandbox
