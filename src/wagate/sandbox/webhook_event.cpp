#include "wagate/sandbox/webhook_event.hpp"

#include <algorithm>
#include <utility>

#include "wagate/sandbox/graph_errors.hpp"

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
    status["errors"] = json::array({{{"code", e.error_code},
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

json InboundJson(const WebhookEvent& e) {
  return json{{"from", e.peer_wa_id},
              {"id", e.wamid},
              {"timestamp", std::to_string(e.timestamp_s)},
              {"type", "text"},
              {"text", {{"body", e.text}}}};
}

json NewValue(const std::string& phone_number_id) {
  return json{{"messaging_product", "whatsapp"},
              {"metadata",
               {{"display_phone_number", DisplayNumberFor(phone_number_id)}, {"phone_number_id", phone_number_id}}}};
}

}  // namespace

std::string DisplayNumberFor(std::string_view phone_number_id) {
  std::string tail(phone_number_id.size() > 7 ? phone_number_id.substr(phone_number_id.size() - 7) : phone_number_id);
  while (tail.size() < 7) tail.insert(tail.begin(), '0');
  return "1555" + tail;
}

json BuildWebhookPayload(const std::vector<WebhookEvent>& events) {
  // Keyed by (phone number, kind) so a batch keeps Meta's grouping and the order of first appearance.
  std::vector<std::pair<std::pair<std::string, WebhookEvent::Kind>, json>> values;
  auto value_for = [&](const WebhookEvent& e) -> json& {
    for (auto& [key, value] : values) {
      if (key.first == e.phone_number_id && key.second == e.kind) return value;
    }
    values.push_back({{e.phone_number_id, e.kind}, NewValue(e.phone_number_id)});
    return values.back().second;
  };
  for (const WebhookEvent& e : events) {
    json& value = value_for(e);
    if (e.kind == WebhookEvent::Kind::kStatus) {
      value["statuses"].push_back(StatusJson(e));
    } else {
      json contact = {{"profile", {{"name", e.profile_name}}}, {"wa_id", e.peer_wa_id}};
      if (!value.contains("contacts") || std::none_of(value["contacts"].begin(), value["contacts"].end(),
                                                      [&](const json& c) { return c["wa_id"] == e.peer_wa_id; })) {
        value["contacts"].push_back(std::move(contact));
      }
      value["messages"].push_back(InboundJson(e));
    }
  }
  json changes = json::array();
  for (auto& [key, value] : values) changes.push_back({{"field", "messages"}, {"value", std::move(value)}});
  return json{{"object", "whatsapp_business_account"},
              {"entry", json::array({{{"id", kSandboxWabaId}, {"changes", std::move(changes)}}})}};
}

std::string SerializeAscii(const json& payload) {
  return payload.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

}  // namespace wagate::sandbox
