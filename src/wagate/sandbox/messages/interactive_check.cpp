#include "wagate/sandbox/messages/interactive_check.hpp"

#include <set>
#include <string>

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using namespace checks;  // NOLINT: the vocabulary of this file

constexpr size_t kBodyChars = 1024;      // button and cta_url
constexpr size_t kListBodyChars = 4096;  // current docs; older ones said 1024 for every type
constexpr size_t kHeaderTextChars = 60;
constexpr size_t kFooterChars = 60;
constexpr size_t kMaxReplyButtons = 3;
constexpr size_t kReplyIdChars = 256;
constexpr size_t kReplyTitleChars = 20;
constexpr size_t kListButtonChars = 20;
constexpr size_t kMaxSections = 10;
constexpr size_t kMaxRows = 10;  // across all sections
constexpr size_t kRowIdChars = 200;
constexpr size_t kRowTitleChars = 24;
constexpr size_t kRowDescriptionChars = 72;
constexpr size_t kSectionTitleChars = 24;
constexpr size_t kDisplayTextChars = 20;

StringRule Limit(size_t max_chars, bool required = true) {
  return {.required = required, .min_chars = 1, .max_chars = max_chars, .too_long_code = 131009};
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

Check Header(const json& interactive, const std::string& kind, std::vector<MediaRef>* media) {
  if (auto e = Object(interactive, "header", "interactive.header", false)) return e;
  const json* header = Find(interactive, "header");
  if (!header) return std::nullopt;
  if (auto e = String(*header, "type", "interactive.header.type", {.max_chars = 16})) return e;
  const std::string& type = (*header)["type"].get_ref<const std::string&>();
  if (type == "text") return String(*header, "text", "interactive.header.text", Limit(kHeaderTextChars));
  if (type != "image" && type != "video" && type != "document") {
    return Invalid("Param interactive.header.type must be one of {text, image, video, document}; got \"" + type +
                   "\".");
  }
  if (kind == "list") return BadValue("A list message's header must be of type text (got " + type + ").");
  std::string path = "interactive.header." + type;
  if (auto e = Object(*header, type, path, true)) return e;
  if (auto e = NotAllowed((*header)[type], "caption", path + ".caption", "header media have no caption")) return e;
  return MediaSource((*header)[type], path, media);
}

Check BodyAndFooter(const json& interactive, size_t body_chars) {
  if (auto e = Object(interactive, "body", "interactive.body", true)) return e;
  if (auto e = String(interactive["body"], "text", "interactive.body.text", Limit(body_chars))) return e;
  if (auto e = Object(interactive, "footer", "interactive.footer", false)) return e;
  if (const json* footer = Find(interactive, "footer")) {
    return String(*footer, "text", "interactive.footer.text", Limit(kFooterChars));
  }
  return std::nullopt;
}

// An array field of `min`..`max` entries: absent → 131008, not an array → 100, count → 131009.
Check Array(const json& object, const char* name, const std::string& path, size_t min, size_t max) {
  const json* value = Find(object, name);
  if (!value) return Missing(path);
  if (!value->is_array()) return Invalid("Param " + path + " must be an array.");
  if (value->size() < min || value->size() > max) {
    return BadValue("Param " + path + " must have " + std::to_string(min) + " to " + std::to_string(max) +
                    " entries (has " + std::to_string(value->size()) + ").");
  }
  return std::nullopt;
}

Check ReplyButtons(const json& action) {
  const std::string list = "interactive.action.buttons";
  if (auto e = Array(action, "buttons", list, 1, kMaxReplyButtons)) return e;
  std::set<std::string> ids, titles;
  const json& buttons = action["buttons"];
  for (size_t i = 0; i < buttons.size(); ++i) {
    std::string path = Index(list, i);
    if (!buttons[i].is_object()) return Invalid("Param " + path + " must be an object.");
    if (auto e = String(buttons[i], "type", path + ".type", {.max_chars = 16})) return e;
    if (buttons[i]["type"] != "reply") return Invalid("Param " + path + ".type must be \"reply\".");
    if (auto e = Object(buttons[i], "reply", path + ".reply", true)) return e;
    const json& reply = buttons[i]["reply"];
    if (auto e = String(reply, "id", path + ".reply.id", Limit(kReplyIdChars))) return e;
    if (auto e = String(reply, "title", path + ".reply.title", Limit(kReplyTitleChars))) return e;
    const std::string& id = reply["id"].get_ref<const std::string&>();
    if (id.front() == ' ' || id.back() == ' ') {
      return BadValue("Param " + path + ".reply.id must not start or end with a space.");
    }
    if (!ids.insert(id).second) return BadValue("Duplicate button id \"" + id + "\" in " + list + ".");
    if (!titles.insert(reply["title"].get<std::string>()).second) {
      return BadValue("Duplicate button title \"" + reply["title"].get<std::string>() + "\" in " + list + ".");
    }
  }
  return std::nullopt;
}

Check ListSections(const json& action) {
  if (auto e = String(action, "button", "interactive.action.button", Limit(kListButtonChars))) return e;
  const std::string list = "interactive.action.sections";
  if (auto e = Array(action, "sections", list, 1, kMaxSections)) return e;
  const json& sections = action["sections"];
  size_t rows_total = 0;
  std::set<std::string> row_ids;
  for (size_t s = 0; s < sections.size(); ++s) {
    std::string path = Index(list, s);
    if (!sections[s].is_object()) return Invalid("Param " + path + " must be an object.");
    // One section may go untitled; with several, each needs a title to be told apart.
    if (auto e = String(sections[s], "title", path + ".title", Limit(kSectionTitleChars, sections.size() > 1)))
      return e;
    if (auto e = Array(sections[s], "rows", path + ".rows", 1, kMaxRows)) return e;
    const json& rows = sections[s]["rows"];
    rows_total += rows.size();
    if (rows_total > kMaxRows) {
      return BadValue("Total row count exceeds max allowed count: " + std::to_string(kMaxRows) + ".");
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string row = Index(path + ".rows", r);
      if (!rows[r].is_object()) return Invalid("Param " + row + " must be an object.");
      if (auto e = String(rows[r], "id", row + ".id", Limit(kRowIdChars))) return e;
      if (auto e = String(rows[r], "title", row + ".title", Limit(kRowTitleChars))) return e;
      if (auto e = String(rows[r], "description", row + ".description", Limit(kRowDescriptionChars, false))) return e;
      if (!row_ids.insert(rows[r]["id"].get<std::string>()).second) {
        return BadValue("Duplicate row id \"" + rows[r]["id"].get<std::string>() + "\" in the list.");
      }
    }
  }
  return std::nullopt;
}

Check CtaUrl(const json& action) {
  if (auto e = String(action, "name", "interactive.action.name", {.max_chars = 32})) return e;
  if (action["name"] != "cta_url") return Invalid("Param interactive.action.name must be \"cta_url\".");
  if (auto e = Object(action, "parameters", "interactive.action.parameters", true)) return e;
  const json& params = action["parameters"];
  if (auto e = String(params, "display_text", "interactive.action.parameters.display_text", Limit(kDisplayTextChars))) {
    return e;
  }
  if (auto e = String(params, "url", "interactive.action.parameters.url", {.max_chars = 2000})) return e;
  if (!IsHttpUrl(params["url"].get_ref<const std::string&>())) {
    return BadValue("Param interactive.action.parameters.url must be an http(s) URL.");
  }
  return std::nullopt;
}

}  // namespace

Check CheckInteractive(const json& interactive, std::vector<MediaRef>* media) {
  if (auto e = String(interactive, "type", "interactive.type", {.max_chars = 32})) return e;
  std::string kind = interactive["type"].get<std::string>();
  if (kind != "button" && kind != "list" && kind != "cta_url") {
    return Invalid(
        "Param interactive.type must be one of {button, list, cta_url} (the interactive types the "
        "sandbox simulates); got \"" +
        kind + "\".");
  }
  if (auto e = Header(interactive, kind, media)) return e;
  if (auto e = BodyAndFooter(interactive, kind == "list" ? kListBodyChars : kBodyChars)) return e;
  if (auto e = Object(interactive, "action", "interactive.action", true)) return e;
  const json& action = interactive["action"];
  if (kind == "button") return ReplyButtons(action);
  if (kind == "list") return ListSections(action);
  return CtaUrl(action);
}

}  // namespace wagate::sandbox
