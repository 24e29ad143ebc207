// Interactive messages: reply buttons, lists and CTA URL buttons (cloud-api.md §1.6, §3.7).
// Other interactive types (flow, product, carousel…) are out of scope and rejected.
#include <map>

#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

constexpr size_t kMaxHeaderTextChars = 60;
constexpr size_t kMaxFooterChars = 60;
constexpr size_t kMaxBodyChars = 1024;      // button and cta_url
constexpr size_t kMaxListBodyChars = 4096;  // current docs; older docs said 1024 for every type
constexpr size_t kMaxButtons = 3;
constexpr size_t kMaxButtonIdChars = 256;
constexpr size_t kMaxButtonTitleChars = 20;
constexpr size_t kMaxListButtonChars = 20;
constexpr size_t kMaxSections = 10;
constexpr size_t kMaxRows = 10;  // across all sections
constexpr size_t kMaxRowIdChars = 200;
constexpr size_t kMaxRowTitleChars = 24;
constexpr size_t kMaxRowDescriptionChars = 72;
constexpr size_t kMaxSectionTitleChars = 24;
constexpr size_t kMaxDisplayTextChars = 20;

// Remembers the values seen for a must-be-unique member and fails on a repeat, naming the first.
class UniqueValues final {
 public:
  void Check(const ObjectReader& reader, std::string_view name, const std::string& value) {
    auto [it, inserted] = first_.emplace(value, reader.PathOf(name));
    if (!inserted) reader.Fail(name, "must be unique (same as " + it->second + ")");
  }

 private:
  std::map<std::string, std::string> first_;
};

std::optional<Json> ParseHeader(const ObjectReader& interactive, const std::string& type, MessageContent& out) {
  ObjectReader header = interactive.Child("header", false);
  if (!header.present()) return std::nullopt;
  std::vector<std::string> kinds = {"text"};
  if (type != "list") kinds = {"text", "image", "video", "document"};  // lists take a text header only
  auto kind = header.OneOf("type", true, kinds);
  if (!kind) return std::nullopt;
  header.AllowOnly({"type", *kind});
  Json graph = {{"type", *kind}};
  if (*kind == "text") {
    header.CopyString(graph, "text", true, kMaxHeaderTextChars);
  } else if (const Json* media = header.Get(*kind, true)) {
    MediaRules rules;  // no caption in a header
    rules.filename = *kind == "document";
    if (auto m = ParseMediaObject(*media, header.PathOf(*kind), rules, header.errors(), out.media_ids)) {
      graph[*kind] = std::move(*m);
    }
  }
  if (!header.ok()) return std::nullopt;
  return graph;
}

std::optional<Json> TextObject(const ObjectReader& interactive, std::string_view name, bool required,
                               size_t max_chars) {
  ObjectReader object = interactive.Child(name, required);
  if (!object.present()) return std::nullopt;
  object.AllowOnly({"text"});
  auto text = object.String("text", true, max_chars);
  if (!text) return std::nullopt;
  return Json{{"text", *text}};
}

Json ButtonAction(const ObjectReader& action) {
  action.AllowOnly({"buttons"});
  Json buttons = Json::array();
  const Json* list = action.Array("buttons", true, 1, kMaxButtons);
  UniqueValues ids, titles;
  for (size_t i = 0; list && i < list->size() && action.ok(); ++i) {
    ObjectReader button((*list)[i], ElementPath(action.PathOf("buttons"), i), action.errors());
    button.AllowOnly({"type", "reply"});
    button.OneOf("type", true, {"reply"});
    ObjectReader reply = button.Child("reply", true);
    reply.AllowOnly({"id", "title"});
    auto id = reply.String("id", true, kMaxButtonIdChars);
    if (id && HasOuterWhitespace(*id)) reply.Fail("id", "must not start or end with whitespace");
    if (id) ids.Check(reply, "id", *id);
    auto title = reply.String("title", true, kMaxButtonTitleChars);
    if (title) titles.Check(reply, "title", *title);
    if (!reply.ok()) break;
    buttons.push_back({{"type", "reply"}, {"reply", {{"id", *id}, {"title", *title}}}});
  }
  return {{"buttons", std::move(buttons)}};
}

Json ListAction(const ObjectReader& action) {
  action.AllowOnly({"button", "sections"});
  Json graph = Json::object();
  action.CopyString(graph, "button", true, kMaxListButtonChars);
  const Json* sections = action.Array("sections", true, 1, kMaxSections);
  if (!sections) return graph;
  size_t total_rows = 0;
  for (const Json& s : *sections) {
    if (s.is_object() && s.contains("rows") && s["rows"].is_array()) total_rows += s["rows"].size();
  }
  if (total_rows > kMaxRows) {
    action.Fail("sections",
                "must have at most 10 rows in total across all sections (has " + std::to_string(total_rows) + ")");
    return graph;
  }
  UniqueValues row_ids;
  Json graph_sections = Json::array();
  for (size_t i = 0; i < sections->size() && action.ok(); ++i) {
    ObjectReader section((*sections)[i], ElementPath(action.PathOf("sections"), i), action.errors());
    section.AllowOnly({"title", "rows"});
    Json graph_section = Json::object();
    // A title is required once there is more than one section.
    section.CopyString(graph_section, "title", sections->size() > 1, kMaxSectionTitleChars);
    const Json* rows = section.Array("rows", true, 1, kMaxRows);
    Json graph_rows = Json::array();
    for (size_t r = 0; rows && r < rows->size() && section.ok(); ++r) {
      ObjectReader row((*rows)[r], ElementPath(section.PathOf("rows"), r), section.errors());
      row.AllowOnly({"id", "title", "description"});
      Json graph_row = Json::object();
      if (auto id = row.String("id", true, kMaxRowIdChars)) {
        row_ids.Check(row, "id", *id);
        graph_row["id"] = *id;
      }
      row.CopyString(graph_row, "title", true, kMaxRowTitleChars);
      row.CopyString(graph_row, "description", false, kMaxRowDescriptionChars);
      graph_rows.push_back(std::move(graph_row));
    }
    graph_section["rows"] = std::move(graph_rows);
    graph_sections.push_back(std::move(graph_section));
  }
  graph["sections"] = std::move(graph_sections);
  return graph;
}

Json CtaUrlAction(const ObjectReader& action) {
  action.AllowOnly({"name", "parameters"});
  action.OneOf("name", true, {"cta_url"});
  ObjectReader parameters = action.Child("parameters", true);
  parameters.AllowOnly({"display_text", "url"});
  Json graph_parameters = Json::object();
  parameters.CopyString(graph_parameters, "display_text", true, kMaxDisplayTextChars);
  if (auto url = parameters.String("url", true, kMaxUrlChars)) {
    if (!IsHttpUrl(*url)) parameters.Fail("url", "must be an absolute http:// or https:// URL");
    graph_parameters["url"] = *url;
  }
  return {{"name", "cta_url"}, {"parameters", std::move(graph_parameters)}};
}

}  // namespace

void ParseInteractive(const ObjectReader& root, MessageContent& out) {
  ObjectReader interactive = root.Child("interactive", true);
  auto type = interactive.OneOf("type", true, {"button", "list", "cta_url"});
  if (!type) return;
  interactive.AllowOnly({"type", "header", "body", "footer", "action"});
  Json graph = {{"type", *type}};
  if (auto header = ParseHeader(interactive, *type, out)) graph["header"] = std::move(*header);
  if (auto body = TextObject(interactive, "body", true, *type == "list" ? kMaxListBodyChars : kMaxBodyChars)) {
    graph["body"] = std::move(*body);
  }
  if (auto footer = TextObject(interactive, "footer", false, kMaxFooterChars)) graph["footer"] = std::move(*footer);
  ObjectReader action = interactive.Child("action", true);
  if (action.present()) {
    graph["action"] = *type == "button" ? ButtonAction(action)
                      : *type == "list" ? ListAction(action)
                                        : CtaUrlAction(action);
  }
  if (!root.ok()) return;
  out.summary = graph["body"]["text"].get<std::string>();
  out.graph_fields = {{"type", "interactive"}, {"interactive", std::move(graph)}};
}

}  // namespace wagate::content::detail
