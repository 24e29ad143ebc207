// The dispatcher: message_type → family parser, the reply context, and the Graph envelope.
#include "wagate/content/message_content.hpp"

#include <algorithm>
#include <map>

#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content {
namespace {

using Family = void (*)(const ObjectReader& root, MessageContent& out);

const std::map<std::string, Family, std::less<>>& Families() {
  static const std::map<std::string, Family, std::less<>> families = {
      {"text", detail::ParseText},         {"template", detail::ParseTemplate},
      {"image", detail::ParseMedia},       {"video", detail::ParseMedia},
      {"audio", detail::ParseMedia},       {"document", detail::ParseMedia},
      {"sticker", detail::ParseMedia},     {"location", detail::ParseLocation},
      {"contacts", detail::ParseContacts}, {"interactive", detail::ParseInteractive},
      {"reaction", detail::ParseReaction}, {"mark_read", detail::ParseMarkRead},
  };
  return families;
}

// `context` quotes an earlier message; Graph refuses it on reactions (§1.8), and mark_read has no
// message of its own to attach it to.
void ParseContext(const ObjectReader& root, MessageContent& out) {
  if (!root.Has("context")) return;
  if (out.type == "reaction" || out.type == "mark_read") {
    return root.Fail("context", "is not allowed with message_type " + out.type);
  }
  ObjectReader context = root.Child("context", true);
  context.AllowOnly({"message_id"});
  if (auto message_id = context.String("message_id", true, kMaxWamidChars)) {
    out.graph_fields["context"] = {{"message_id", *message_id}};
  }
}

}  // namespace

const std::vector<std::string>& MessageTypes() {
  static const std::vector<std::string> types = {"text",     "template",    "image",    "video",
                                                 "audio",    "document",    "sticker",  "location",
                                                 "contacts", "interactive", "reaction", "mark_read"};
  return types;
}

core::Result<MessageContent> ParseMessageContent(const nlohmann::json& request) {
  FieldErrors errors;
  ObjectReader root(request, "", errors);
  MessageContent out;
  out.type = root.Has("message_type") ? root.OneOf("message_type", true, MessageTypes()).value_or("") : "text";
  if (!errors.ok()) return errors.error();
  // The legacy `message` string is text only; dropping it silently would send something else.
  if (out.type != "text" && root.Has("message")) {
    root.Fail("message", "is not allowed with message_type " + out.type + " (use the '" + out.type + "' member)");
    return errors.error();
  }
  Families().find(out.type)->second(root, out);
  ParseContext(root, out);
  if (!errors.ok()) return errors.error();
  return out;
}

std::string BuildGraphRequest(const MessageContent& content, const std::string& to_e164,
                              const std::string& message_id) {
  nlohmann::json body = {{"messaging_product", "whatsapp"}};
  if (content.needs_recipient) {
    body["recipient_type"] = "individual";
    body["to"] = to_e164;
    if (!message_id.empty()) body["biz_opaque_callback_data"] = message_id;
  }
  for (const auto& [key, value] : content.graph_fields.items()) body[key] = value;
  // Parsed input is valid UTF-8 already; `replace` only keeps a hand-built content from throwing.
  return body.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wagate::content
