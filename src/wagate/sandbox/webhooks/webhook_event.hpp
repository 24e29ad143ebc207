// One webhook notification the simulator owes the gateway, and the Meta-shaped payload built from a batch.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wagate::sandbox {

// An inbound media message's object (cloud-api.md §4.4), without `url` (optional on Meta).
struct InboundMedia {
  std::string id;
  std::string mime_type;
  std::string sha256;
  std::string filename;   // documents
  std::string caption;    // image, video, document; "" = none
  bool voice = false;     // audio
  bool animated = false;  // sticker
};

// The value of a `message_template_status_update` change (cloud-api.md §6).
struct TemplateStatusChange {
  std::string template_id;  // numeric string; sent as an integer, as Meta does
  std::string name;
  std::string language;
  std::string category;
  std::string event;                  // the new status: APPROVED, REJECTED, PAUSED, …
  std::optional<std::string> reason;  // NONE, INVALID_FORMAT, …; null when absent
};

// Kept compact (no JSON inline; rare parts behind pointers) because up to a million may wait while the
// gateway is down.
struct WebhookEvent {
  enum class Kind { kStatus, kInbound, kTemplateStatus, kPhoneQuality };
  Kind kind = Kind::kStatus;
  std::string waba_id;  // entry[].id; empty = kSandboxWabaId
  std::string phone_number_id;
  std::string wamid;
  std::string peer_wa_id;  // statuses: recipient_id; inbound: the customer's `from`
  int64_t timestamp_s = 0;
  // kStatus
  std::string status;  // sent | delivered | read | failed
  std::optional<std::string> biz_opaque_callback_data;
  std::optional<std::string> pricing_category;  // set on the statuses that carry `pricing`
  int error_code = 0;                           // failed: errors[0].code (title from the code table)
  std::string error_details;                    // failed: errors[0].error_data.details
  // kInbound
  std::string message_type = "text";  // Meta's `type`: text, image, …, location, reaction, or any other word
  std::string text;
  std::string profile_name;
  std::shared_ptr<const InboundMedia> media;  // media types
  // kTemplateStatus
  std::shared_ptr<const TemplateStatusChange> template_change;
  // kInbound: members added to the message object as they are (the object of a type other than text and
  // media, `context`, `referral`, `errors`); null when none. kPhoneQuality: the change's whole `value`.
  // One pointer for both, so the common event (a status) stays small.
  std::shared_ptr<const nlohmann::json> extra;
};

// The WhatsApp Business Account of numbers nobody linked to another (POST /_sandbox/numbers).
inline constexpr std::string_view kSandboxWabaId = "100000000000001";

// The business number shown in metadata.display_phone_number: "1555" + the last 7 digits of the
// phone number id, so each simulated number has a stable, distinct, obviously fake display number.
std::string DisplayNumberFor(std::string_view phone_number_id);

// {"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"field":"messages","value":{…}}]}]}
// One entry per WABA. Events of one phone number share a `value`; statuses and inbound messages sit in
// separate values; each template status change and phone number quality update is its own change (field
// `message_template_status_update` or `phone_number_quality_update`), and then its entry carries `time`.
nlohmann::json BuildWebhookPayload(const std::vector<WebhookEvent>& events);

// Serialises with every non-ASCII character escaped as \uXXXX, as Meta signs and sends it.
std::string SerializeAscii(const nlohmann::json& payload);

}  // namespace wagate::sandbox
