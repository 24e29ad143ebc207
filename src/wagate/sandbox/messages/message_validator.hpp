// Validation of a Cloud API send body the way Meta answers it: the first problem becomes a Graph error.
// Pure checks only; what needs the sandbox's state (media ids, known wamids, stored templates) is checked
// by the caller with what ValidSend collects.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wagate/sandbox/graph/graph_errors.hpp"
#include "wagate/sandbox/messages/send_checks.hpp"

namespace wagate::sandbox {

// A body that passed validation: what the simulator keeps and echoes.
struct ValidSend {
  enum class Kind { kMessage, kMarkRead };
  Kind kind = Kind::kMessage;
  nlohmann::json body;              // the parsed request, as received
  std::string to;                   // as given ("+1 650-555-1234"); echoed in contacts[].input
  std::string wa_id;                // digits of `to`
  std::string type;                 // "text" when the body has no type, as Meta defaults
  std::optional<std::string> text;  // text.body for text messages
  std::optional<std::string> biz_opaque_callback_data;
  std::vector<MediaRef> media;  // media ids the body uses, to be looked up
  // Mark-as-read: the message read; reaction: the message reacted to.
  std::optional<std::string> target_message_id;
};

using ValidationResult = std::variant<ValidSend, GraphError>;

// Pure function of the bytes received; no state, safe from any thread.
// `business_wa_id` (digits) is the sender's own number: sending to it is 131021.
ValidationResult ValidateSendBody(std::string_view raw_body, std::string_view business_wa_id = {});

// Keeps only the digits of a phone number ("+1 (650) 555-1234" → "16505551234").
std::string DigitsOf(std::string_view phone);

}  // namespace wagate::sandbox
