// Parsing Meta's webhook envelope (untrusted input, cloud-api.md §4, §6, §7) into everything it can
// hold: statuses, customers' messages of every type, template and account signals. Parsed once, at
// ingest; the processor applies the parsed form (or parses the journaled body after a restart).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/inbound_message.hpp"
#include "wagate/core/status_event.hpp"

namespace wagate::graph {

// A message_template_status_update change: a template's review or quality status moved.
struct TemplateStatusEvent {
  std::string waba_id;   // entry[].id
  std::string graph_id;  // message_template_id
  std::string name;
  std::string language;
  std::string status;  // the registry status the event means (REINSTATED → APPROVED)
  std::optional<std::string> reason;
};

// One customer message (value.messages[]): core::InboundMessage (core/, like StatusEvent, because the
// store keeps it as parsed).
using InboundMessageEvent = core::InboundMessage;

// A change of another field, routed to its owner: phone_number_quality_update, account_update,
// message_template_quality_update, business_capability_update.
struct AccountSignalEvent {
  std::string field;
  std::string waba_id;               // entry[].id
  std::string display_phone_number;  // value.display_phone_number (digits) when the change names one
  int64_t at_ms = 0;                 // entry[].time (Unix seconds) in ms; 0 when absent
  std::string value;                 // JSON of the change's value, as sent
  // phone_number_quality_update / business_capability_update: the daily limit of business-initiated
  // customers it announces (max_daily_conversations_per_business, else current_limit): a number, or
  // nullopt inside for unlimited. Unset when the change announces none (TIER_NOT_SET, absent).
  std::optional<std::optional<int64_t>> messaging_tier;
};

struct WebhookPayload {
  std::set<std::string> phone_number_ids;   // from every entry[].changes[].value.metadata
  std::set<std::string> waba_ids;           // entry[].id, for changes without metadata
  std::vector<core::StatusEvent> statuses;  // every status of every entry/change
  std::vector<std::string> status_names;    // raw names, for metrics ("sent", "played", …)
  std::vector<InboundMessageEvent> messages;
  std::vector<TemplateStatusEvent> template_statuses;
  std::vector<AccountSignalEvent> signals;
  std::vector<std::string> unhandled_fields;  // changes of any other field, by name ("" when unnamed)
};

// nullopt when the body is not a whatsapp_business_account envelope. Unknown or malformed parts of
// an otherwise valid envelope are skipped, never fatal.
std::optional<WebhookPayload> ParseWebhookPayload(std::string_view body);

// "TIER_10K" → 10000, "TIER_UNLIMITED" → unlimited (nullopt inside); numbers as they are (-1 = unlimited).
// Unset for TIER_NOT_SET and anything unrecognised.
std::optional<std::optional<int64_t>> ParseMessagingTier(std::string_view limit);

}  // namespace wagate::graph
