// The `message` part of POST /api/v1/messages/send, validated against Meta's limits and turned into
// the exact Graph /messages body, so Meta never answers 400 for content we let through.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::content {

// What a template send asks of the template registry (which checks name, language, approval and
// that the counts/names match the approved template).
struct TemplateUse {
  std::string name;
  std::string language;  // template.language.code
  bool named = false;    // some header/body parameters carry parameter_name
  // Per component key: "header", "body", "button:<index>" → number of parameters given. Only the
  // components present in the request appear.
  std::map<std::string, size_t> parameter_counts;
  // Same keys, only for components whose parameters are named, in request order.
  std::map<std::string, std::vector<std::string>> parameter_names;
};

struct MessageContent {
  // text|template|image|video|audio|document|sticker|location|contacts|interactive|reaction|mark_read
  std::string type;
  // The members of the Graph body besides messaging_product/recipient_type/to/biz_opaque_callback_data:
  // {"type":T, T:{…}, "context":{…}?}, or for mark_read {"status":"read","message_id":…,"typing_indicator"?}.
  // Built only from validated members (never a copy of unchecked input).
  nlohmann::json graph_fields = nlohmann::json::object();
  // Short human text kept with the message: text body, caption, template name, "📍 name", emoji…
  std::string summary;
  std::optional<TemplateUse> template_use;
  std::vector<std::string> media_ids;  // uploaded media ids referenced (for ownership checks later)
  bool needs_recipient = true;         // false for mark_read (Graph takes no `to`)

  bool is_template() const { return type == "template"; }
};

// The message types ParseMessageContent accepts, in the order error messages list them.
const std::vector<std::string>& MessageTypes();

// `request` is the whole JSON body of POST /api/v1/messages/send (an object). Reads `message_type`
// (default "text"); for text either the legacy `message` string or a `text` object {body, preview_url};
// otherwise the member named after the type, in Graph's own shape (`"template":{…}`, `"image":{…}`,
// `"contacts":[…]`, `"interactive":{…}`, `"reaction":{…}`, `"mark_read":{"message_id":…,
// "typing_indicator":{"type":"text"}?}`), and `context` {message_id} for replies (not with reaction
// or mark_read). Other top-level members (to, outlet_id, …) are the caller's business (the API refuses
// members it does not know), except `message` with a type other than text, which is rejected here.
// Every failure is core::Error::InvalidField whose field is the request's own path, e.g.
// "template.components[0].parameters[1].text"; the first problem found is reported.
// Pure function; safe from any thread.
core::Result<MessageContent> ParseMessageContent(const nlohmann::json& request);

// The exact JSON string POSTed to Graph /{phone_number_id}/messages. `message_id` (our id) goes into
// biz_opaque_callback_data so status webhooks name the message; mark_read carries neither `to` nor it.
std::string BuildGraphRequest(const MessageContent& content, const std::string& to_e164, const std::string& message_id);

}  // namespace wagate::content
