#include "wagate/sandbox/messages/message_validator.hpp"

#include <functional>
#include <map>

#include "wagate/core/json_parse.hpp"
#include "wagate/sandbox/messages/interactive_check.hpp"
#include "wagate/sandbox/messages/template_message_check.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using namespace checks;  // NOLINT: the vocabulary of this file
using TypeCheck = std::function<Check(const json& content, const std::string& type, std::vector<MediaRef>* media)>;

constexpr size_t kMaxTextChars = 4096;
constexpr size_t kMaxCaptionChars = 1024;
constexpr size_t kMaxCallbackDataChars = 512;
constexpr size_t kMaxContacts = 257;
constexpr size_t kMaxWamidChars = 128;

Check CheckText(const json& text, const std::string&, std::vector<MediaRef>*) {
  if (auto e = String(text, "body", "text.body", {.max_chars = kMaxTextChars})) return e;
  return Bool(text, "preview_url", "text.preview_url");
}

// image/video/audio/document/sticker: exactly one of `id` (uploaded media) or `link`; captions on image,
// video and document only; `filename` on documents; `voice` on audio.
Check CheckMedia(const json& media, const std::string& type, std::vector<MediaRef>* refs) {
  if (auto e = MediaSource(media, type, refs)) return e;
  if (type == "audio" || type == "sticker") {
    if (auto e = NotAllowed(media, "caption", type + ".caption", type + " messages have no caption")) return e;
  } else if (auto e = String(media, "caption", type + ".caption", {.required = false, .max_chars = kMaxCaptionChars})) {
    return e;
  }
  if (type == "document") {
    if (auto e = String(media, "filename", "document.filename", {.required = false, .max_chars = 1024})) return e;
  } else if (auto e = NotAllowed(media, "filename", type + ".filename", "only documents have a filename")) {
    return e;
  }
  if (type == "audio") return Bool(media, "voice", "audio.voice");
  return NotAllowed(media, "voice", type + ".voice", "only audio can be a voice note");
}

Check CheckLocation(const json& location, const std::string&, std::vector<MediaRef>*) {
  if (auto e = Coordinates(location, "location")) return e;
  if (auto e = String(location, "name", "location.name", {.required = false, .max_chars = 1024})) return e;
  return String(location, "address", "location.address", {.required = false, .max_chars = 1024});
}

Check CheckContacts(const json& contacts, const std::string&, std::vector<MediaRef>*) {
  if (!contacts.is_array() || contacts.empty()) return Invalid("Param contacts must be a non-empty array.");
  if (contacts.size() > kMaxContacts) return Invalid("Param contacts must have at most 257 entries.");
  for (size_t i = 0; i < contacts.size(); ++i) {
    std::string path = "contacts[" + std::to_string(i) + "]";
    if (!contacts[i].is_object()) return Invalid("Param " + path + " must be an object.");
    if (auto e = Object(contacts[i], "name", path + ".name", true)) return e;
    if (auto e = String(contacts[i]["name"], "formatted_name", path + ".name.formatted_name", {.max_chars = 1024})) {
      return e;
    }
    for (const char* list : {"phones", "emails", "urls", "addresses"}) {
      const json* value = Find(contacts[i], list);
      if (value && !value->is_array()) return Invalid("Param " + path + "." + list + " must be an array.");
    }
  }
  return std::nullopt;
}

Check CheckInteractiveType(const json& interactive, const std::string&, std::vector<MediaRef>* media) {
  return CheckInteractive(interactive, media);
}

Check CheckTemplateType(const json& tmpl, const std::string&, std::vector<MediaRef>* media) {
  return CheckTemplateMessage(tmpl, media);
}

// `emoji` "" removes the business's reaction, so only its presence is required.
Check CheckReaction(const json& reaction, const std::string&, std::vector<MediaRef>*) {
  if (auto e = String(reaction, "message_id", "reaction.message_id", {.max_chars = kMaxWamidChars})) return e;
  return String(reaction, "emoji", "reaction.emoji", {.min_chars = 0, .max_chars = 16});
}

// One row per message type: adding a rule for a type means editing its function only.
const std::map<std::string, TypeCheck, std::less<>>& TypeChecks() {
  static const std::map<std::string, TypeCheck, std::less<>> table = {
      {"text", CheckText},
      {"image", CheckMedia},
      {"video", CheckMedia},
      {"audio", CheckMedia},
      {"document", CheckMedia},
      {"sticker", CheckMedia},
      {"location", CheckLocation},
      {"contacts", CheckContacts},
      {"interactive", CheckInteractiveType},
      {"template", CheckTemplateType},
      {"reaction", CheckReaction},
  };
  return table;
}

// Mark-as-read (and typing indicator) shares the endpoint: {"status":"read","message_id":…}.
Check CheckMarkRead(const json& body) {
  if (body["status"] != "read") return Invalid("Param status must be \"read\".");
  if (auto e = String(body, "message_id", "message_id", {.max_chars = kMaxWamidChars})) return e;
  if (auto e = Object(body, "typing_indicator", "typing_indicator", false)) return e;
  if (const json* typing = Find(body, "typing_indicator")) {
    if (auto e = String(*typing, "type", "typing_indicator.type", {.max_chars = 16})) return e;
    if ((*typing)["type"] != "text") return Invalid("Param typing_indicator.type must be \"text\".");
  }
  return std::nullopt;
}

// `to`, `recipient_type`: the recipient of a message.
Check CheckRecipient(const json& body, std::string_view business_wa_id, ValidSend* send) {
  if (const json* recipient_type = Find(body, "recipient_type"); recipient_type && *recipient_type != "individual") {
    return Invalid("Param recipient_type must be \"individual\" (the sandbox does not simulate groups).");
  }
  const json* to = Find(body, "to");
  if (!to) return Missing("to");
  if (!to->is_string()) return Invalid("Param to must be a string.");
  send->to = to->get<std::string>();
  send->wa_id = DigitsOf(send->to);
  if (send->wa_id.empty()) return Missing("to");
  if (send->wa_id.size() > 20) return Invalid("Param to is not a valid phone number.");
  if (!business_wa_id.empty() && send->wa_id == business_wa_id) {
    return GraphError::Of(131021, "Recipient phone number should be different from the sender phone number.");
  }
  return std::nullopt;
}

// `type` names the content object; the object of any other type must not ride along.
Check CheckContent(const json& body, ValidSend* send) {
  const json* type = Find(body, "type");
  if (type && !type->is_string()) return Invalid("Param type must be a string.");
  send->type = type ? type->get<std::string>() : "text";
  auto check = TypeChecks().find(send->type);
  if (check == TypeChecks().end()) {
    return Invalid(
        "Param type must be one of {TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT, STICKER, LOCATION, CONTACTS, "
        "INTERACTIVE, TEMPLATE, REACTION} - got \"" +
        send->type + "\".");
  }
  const json* content = Find(body, send->type);
  if (!content) return Missing(send->type);
  if (send->type != "contacts" && !content->is_object()) return Invalid("Param " + send->type + " must be an object.");
  for (const auto& [other, unused] : TypeChecks()) {
    if (other != send->type && Find(body, other)) {
      return Invalid("Param " + other + " is not allowed in a message of type " + send->type + ".");
    }
  }
  if (auto e = check->second(*content, send->type, &send->media)) return e;
  if (send->type == "text") send->text = (*content)["body"].get<std::string>();
  if (send->type == "reaction") send->target_message_id = (*content)["message_id"].get<std::string>();
  return std::nullopt;
}

// `context` quotes an earlier message; a reaction already points at one and cannot quote.
Check CheckContext(const json& body, const std::string& type) {
  if (auto e = Object(body, "context", "context", false)) return e;
  const json* context = Find(body, "context");
  if (!context) return std::nullopt;
  if (type == "reaction") return BadValue("Reaction messages cannot have a context.");
  return String(*context, "message_id", "context.message_id", {.max_chars = kMaxWamidChars});
}

}  // namespace

std::string DigitsOf(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

ValidationResult ValidateSendBody(std::string_view raw_body, std::string_view business_wa_id) {
  json body = core::ParseUntrustedJson(raw_body);
  if (body.is_discarded() || !body.is_object()) return Invalid("The request body must be a JSON object.");

  const json* product = Find(body, "messaging_product");
  if (!product) return Invalid("The parameter messaging_product is required.");
  if (*product != "whatsapp") return Invalid("Param messaging_product must be 'whatsapp'.");

  ValidSend send;
  if (body.contains("status")) {
    if (auto e = CheckMarkRead(body)) return *e;
    send.kind = ValidSend::Kind::kMarkRead;
    send.target_message_id = body["message_id"].get<std::string>();
    send.body = std::move(body);
    return send;
  }
  if (auto e = CheckRecipient(body, business_wa_id, &send)) return *e;
  if (auto e = CheckContent(body, &send)) return *e;
  if (auto e = CheckContext(body, send.type)) return *e;
  if (auto e = String(body, "biz_opaque_callback_data", "biz_opaque_callback_data",
                      {.required = false, .min_chars = 0, .max_chars = kMaxCallbackDataChars})) {
    return *e;
  }
  if (const json* callback = Find(body, "biz_opaque_callback_data"))
    send.biz_opaque_callback_data = callback->get<std::string>();
  send.body = std::move(body);
  return send;
}

}  // namespace wagate::sandbox
