// One delivery status from a Meta webhook, as the gateway applies it (parsed by graph/, applied by
// the store through core/status_rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wagate/core/graph_error.hpp"
#include "wagate/core/message_status.hpp"

namespace wagate::core {

struct StatusEvent {
  std::string phone_number_id;  // the business number of the change (metadata): only its messages match
  std::string wamid;
  std::optional<std::string> message_id;  // from biz_opaque_callback_data
  MessageStatus status = MessageStatus::kSent;
  int64_t at_ms = 0;
  std::optional<GraphError> error;
  std::string recipient_id;  // the customer's wa_id (digits), when given
  // `pricing`, on `sent` and on one of delivered/read (cloud-api.md §4.6); kept on the message.
  struct Pricing {
    std::string category;  // marketing, utility, authentication, service, …
    std::string type;      // regular, free_customer_service, free_entry_point
    std::string model;     // PMP, CBP
    std::optional<bool> billable;
  };
  std::optional<Pricing> pricing;
};

}  // namespace wagate::core
