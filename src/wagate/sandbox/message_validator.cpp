#include "wagate/sandbox/message_validator.hpp"

#include <functional>
#include <map>

#include "wagate/http/json_fields.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using TypeCheck = std::function<std::optional<GraphError>(const json& content, std::string_view type)>;

constexpr size_t kMaxTextChars = 4096;
constexpr size_t kMaxCaptionChars = 1024;
constexpr size_t kMaxCallbackDataChars = 512;
constexpr size_t kMaxContacts = 257;

GraphError Missing(std::string param) {
  return GraphError::Of(131008, "The parameter " + param + " is required.");
}
GraphError Invalid(std::string details) { return GraphError::Of(100, std::move(details)); }

// A field that must be a non-empty string: absent → 131008, wrong type or empty → 100.
std::optional<GraphError> RequireString(const json& object, const std::string& parent, const char* name,
                                        size_t max_chars) {
  std::string path = parent + "." + name;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return Missing(path);
  if (!it->is_string()) return Invalid("Param " + path + " must be a string.");
  size_t chars = http::Utf8Length(it->get_ref<const std::string&>());
  if (chars == 0) return Invalid("Param " + path + " must not be empty.");
  if (chars > max_chars) {
    return Invalid("Param " + path + " must be at most " + std::to_string(max_chars) + " characters long.");
  }
  return std::nullopt;
}

std::optional<GraphError> CheckText(const json& text, std::string_view) {
  return RequireString(text, "text", "body", kMaxTextChars);
}

// image/video/audio/document/sticker: exactly one of `id` (uploaded media) or `link`.
std::optional<GraphError> CheckMedia(const json& media, std::string_view type) {
  std::string t(type);
  bool has_id = media.contains("id") && !media["id"].is_null();
  bool has_link = media.contains("link") && !media["link"].is_null();
  if (!has_id && !has_link) return Missing(t + ".id or " + t + ".link");
  if (has_id && has_link) return Invalid("Param " + t + " must have either id or link, not both.");
  if (auto e = RequireString(media, t, has_id ? "id" : "link", 2000)) return e;
  if (media.contains("caption")) {
    if (type == "audio" || type == "sticker") return Invalid("Param " + t + ".caption is not allowed.");
    if (auto e = RequireString(media, t, "caption", kMaxCaptionChars)) return e;
  }
  return std::nullopt;
}

std::optional<GraphError> CheckLocation(const json& location, std::string_view) {
  for (const char* name : {"latitude", "longitude"}) {
    auto it = location.find(name);
    if (it == location.end() || it->is_null()) return Missing(std::string("location.") + name);
    if (!it->is_number() && !it->is_string()) return Invalid(std::string("Param location.") + name + " must be a number.");
  }
  return std::nullopt;
}

std::optional<GraphError> CheckContacts(const json& contacts, std::string_view) {
  if (!contacts.is_array() || contacts.empty()) return Invalid("Param contacts must be a non-empty array.");
  if (contacts.size() > kMaxContacts) return Invalid("Param contacts must have at most 257 entries.");
  for (const json& contact : contacts) {
    if (!contact.is_object() || !contact.contains("name") || !contact["name"].is_object()) {
      return Missing("contacts[].name");
    }
    if (auto e = RequireString(contact["name"], "contacts[].name", "formatted_name", 1024)) return e;
  }
  return std::nullopt;
}

std::optional<GraphError> CheckInteractive(const json& interactive, std::string_view) {
  if (auto e = RequireString(interactive, "interactive", "type", 64)) return e;
  if (!interactive.contains("action") || !interactive["action"].is_object()) return Missing("interactive.action");
  return std::nullopt;
}

std::optional<GraphError> CheckTemplate(const json& tmpl, std::string_view) {
  if (auto e = RequireString(tmpl, "template", "name", 512)) return e;
  if (!tmpl.contains("language") || !tmpl["language"].is_object()) return Missing("template.language");
  if (auto e = RequireString(tmpl["language"], "template.language", "code", 16)) return e;
  if (tmpl.contains("components") && !tmpl["components"].is_array()) {
    return Invalid("Param template.components must be an array.");
  }
  return std::nullopt;
}

std::optional<GraphError> CheckReaction(const json& reaction, std::string_view) {
  if (auto e = RequireString(reaction, "reaction", "message_id", 128)) return e;
  auto emoji = reaction.find("emoji");
  if (emoji == reaction.end() || emoji->is_null()) return Missing("reaction.emoji");
  if (!emoji->is_string()) return Invalid("Param reaction.emoji must be a string.");  // "" removes a reaction
  return std::nullopt;
}

// One row per message type: adding a rule for a type means editing its function only.
const std::map<std::string, TypeCheck, std::less<>>& TypeChecks() {
  static const std::map<std::string, TypeCheck, std::less<>> checks = {
      {"text", CheckText},         {"image", CheckMedia},       {"video", CheckMedia},
      {"audio", CheckMedia},       {"document", CheckMedia},    {"sticker", CheckMedia},
      {"location", CheckLocation}, {"contacts", CheckContacts}, {"interactive", CheckInteractive},
      {"template", CheckTemplate}, {"reaction", CheckReaction},
  };
  return checks;
}

// Mark-as-read (and typing indicator) shares the endpoint: {"status":"read","message_id":…}.
std::optional<GraphError> CheckMarkRead(const json& body) {
  if (body["status"] != "read") return Invalid("Param status must be 'read'.");
  auto id = body.find("message_id");
  if (id == body.end() || id->is_null()) return Missing("message_id");
  if (!id->is_string() || id->get_ref<const std::string&>().empty()) return Invalid("Param message_id must be a wamid.");
  return std::nullopt;
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
  json body = json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return Invalid("The request body must be a JSON object.");

  auto product = body.find("messaging_product");
  if (product == body.end() || product->is_null()) return Invalid("The parameter messaging_product is required.");
  if (*product != "whatsapp") return Invalid("Param messaging_product must be 'whatsapp'.");

  ValidSend send;
  if (body.contains("status")) {
    if (auto e = CheckMarkRead(body)) return *e;
    send.kind = ValidSend::Kind::kMarkRead;
    send.body = std::move(body);
    return send;
  }

  auto to = body.find("to");
  if (to == body.end() || to->is_null()) return Missing("to");
  if (!to->is_string()) return Invalid("Param to must be a string.");
  send.to = to->get<std::string>();
  send.wa_id = DigitsOf(send.to);
  if (send.wa_id.empty()) return Missing("to");
  if (send.wa_id.size() > 20) return Invalid("Param to is not a valid phone number.");
  if (!business_wa_id.empty() && send.wa_id == business_wa_id) {
    return GraphError::Of(131021, "Recipient phone number should be different from the sender phone number.");
  }

  auto type = body.find("type");
  if (type != body.end() && !type->is_null() && !type->is_string()) return Invalid("Param type must be a string.");
  send.type = (type == body.end() || type->is_null()) ? "text" : type->get<std::string>();
  auto check = TypeChecks().find(send.type);
  if (check == TypeChecks().end()) {
    return Invalid("Param type must be one of {TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT, STICKER, LOCATION, CONTACTS, "
                   "INTERACTIVE, TEMPLATE, REACTION} - got \"" + send.type + "\".");
  }
  auto content = body.find(send.type);
  if (content == body.end() || content->is_null()) return Missing(send.type);
  if (send.type != "contacts" && !content->is_object()) return Invalid("Param " + send.type + " must be an object.");
  if (auto e = check->second(*content, send.type)) return *e;
  if (send.type == "text") send.text = (*content)["body"].get<std::string>();

  auto callback = body.find("biz_opaque_callback_data");
  if (callback != body.end() && !callback->is_null()) {
    if (!callback->is_string()) return Invalid("Param biz_opaque_callback_data must be a string.");
    const std::string& data = callback->get_ref<const std::string&>();
    if (http::Utf8Length(data) > kMaxCallbackDataChars) {
      return Invalid("Param biz_opaque_callback_data must be at most 512 characters long.");
    }
    send.biz_opaque_callback_data = data;
  }
  send.body = std::move(body);
  return send;
}

}  // namespace wagate::sandbox
