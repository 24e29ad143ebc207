// One webhook notification the simulator owes the gateway, and the Meta-shaped payload built from a batch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wagate::sandbox {

// Kept compact (no JSON) because up to a million of them may wait while the gateway is down.
struct WebhookEvent {
  enum class Kind { kStatus, kInboundText };
  Kind kind = Kind::kStatus;
  std::string phone_number_id;
  std::string wamid;
  std::string peer_wa_id;  // statuses: recipient_id; inbound: the customer's `from`
  int64_t timestamp_s = 0;
  // kStatus
  std::string status;  // sent | delivered | read | failed
  std::optional<std::string> biz_opaque_callback_data;
  std::optional<std::string> pricing_category;  // set on the statuses that carry `pricing`
  int error_code = 0;         // failed: errors[0].code (title from the code table)
  std::string error_details;  // failed: errors[0].error_data.details
  // kInboundText
  std::string text;
  std::string profile_name;
};

// The fixed WhatsApp Business Account id every sandbox number belongs to.
inline constexpr std::string_view kSandboxWabaId = "100000000000001";

// The business number shown in metadata.display_phone_number: "1555" + the last 7 digits of the
// phone number id, so each simulated number has a stable, distinct, obviously fake display number.
std::string DisplayNumberFor(std::string_view phone_number_id);

// {"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"field":"messages","value":{…}}]}]}
// Events of one phone number share a `value`; statuses and inbound messages sit in separate values.
nlohmann::json BuildWebhookPayload(const std::vector<WebhookEvent>& events);

// Serialises with every non-ASCII character escaped as \uXXXX, as Meta signs and sends it.
std::string SerializeAscii(const nlohmann::json& payload);

}  // namespace wagate::sandbox
