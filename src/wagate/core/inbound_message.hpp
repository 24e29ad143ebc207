// One customer message from a Meta webhook (value.messages[], cloud-api.md §4.4, §4.5), as the
// gateway keeps it: parsed by graph/, stored by store/, shown by the conversations API. Every type is
// kept, unknown ones included: `content` is the type's own object as Meta sent it, re-serialised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace wagate::core {

struct InboundMessage {
  std::string phone_number_id;  // metadata of its change: the business number written to
  std::string waba_id;          // entry[].id
  std::string wamid;            // messages[].id
  std::string from;             // the customer's wa_id, digits only
  std::string profile_name;     // value.contacts[] with this wa_id (or the change's only contact); "" if none
  int64_t at_ms = 0;            // Meta's timestamp; 0 when absent or implausible
  std::string type;             // Meta's name: text, image, …, reaction, order, system, unsupported, or any other
  std::string content = "{}";   // JSON of messages[][type] ("contacts": the array); "{}" when absent
  std::string preview;          // a short human-readable text: the body, a caption, a button title, "[image]"…
  // context (cloud-api.md §4.5)
  std::optional<std::string> context_id;    // the message replied to, quoted, or tapped (context.id)
  std::optional<std::string> context_from;  // context.from
  bool forwarded = false;
  bool frequently_forwarded = false;
  std::optional<std::string> referral;  // JSON of `referral` (click-to-WhatsApp ads)
  std::optional<std::string> errors;    // JSON of `errors` (unsupported / unknown types)
  std::optional<std::string> media_id;  // image, video, audio, document, sticker
  // type "reaction": the message reacted to, and the emoji ("" when the customer removed it).
  std::optional<std::string> reaction_to;
  std::string reaction_emoji;
};

}  // namespace wagate::core
