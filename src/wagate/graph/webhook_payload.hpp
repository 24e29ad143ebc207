// Parsing Meta's webhook envelope (untrusted input): who it is for, and the status events in it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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

struct WebhookPayload {
  std::set<std::string> phone_number_ids;   // from every entry[].changes[].value.metadata
  std::set<std::string> waba_ids;           // entry[].id, for changes without metadata
  std::vector<core::StatusEvent> statuses;  // every status of every entry/change
  size_t inbound_messages = 0;
  // A customer wrote to a business number: opens (refreshes) the 24 h service window.
  struct Inbound {
    std::string phone_number_id;
    std::string from;  // digits
    int64_t at_ms = 0;
  };
  std::vector<Inbound> inbound;
  std::vector<std::string> status_names;  // raw names, for metrics ("sent", "played", …)
  std::vector<TemplateStatusEvent> template_statuses;
};

// nullopt when the body is not a whatsapp_business_account envelope. Unknown or malformed parts of
// an otherwise valid envelope are skipped, never fatal.
std::optional<WebhookPayload> ParseWebhookPayload(std::string_view body);

}  // namespace wagate::graph
