// Text messages and media messages (image, video, audio, document, sticker): cloud-api.md §1.3–1.4.
#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

constexpr size_t kMaxTextChars = 4096;     // §1.3
constexpr size_t kMaxCaptionChars = 1024;  // §1.4, image/video/document only
// Meta documents no filename limit; 240 keeps within common filesystem limits (255 bytes) with room
// for the extension the phone may add.
constexpr size_t kMaxFilenameChars = 240;

std::string MediaSummary(const std::string& type, const Json& media) {
  if (media.contains("caption")) return media["caption"].get<std::string>();
  if (media.contains("filename")) return "📄 " + media["filename"].get<std::string>();
  if (type == "audio" && media.value("voice", false)) return "[voice note]";
  return "[" + type + "]";
}

}  // namespace

void ParseText(const ObjectReader& root, MessageContent& out) {
  if (root.Has("message")) {  // the legacy shape: "message": "hello"
    if (root.Has("text")) return root.Fail("text", "is not allowed together with 'message'");
    auto body = root.String("message", true, kMaxTextChars);
    if (!body) return;
    out.graph_fields = {{"type", "text"}, {"text", {{"body", *body}}}};
    out.summary = *body;
    return;
  }
  if (!root.Has("text")) return root.Fail("text", "is required (or the legacy 'message' string)");
  ObjectReader text = root.Child("text", true);
  text.AllowOnly({"body", "preview_url"});
  Json graph = Json::object();
  text.CopyString(graph, "body", true, kMaxTextChars);
  text.CopyBool(graph, "preview_url");
  if (!text.ok()) return;
  out.summary = graph["body"].get<std::string>();
  out.graph_fields = {{"type", "text"}, {"text", std::move(graph)}};
}

void ParseMedia(const ObjectReader& root, MessageContent& out) {
  const Json* value = root.Get(out.type, true);
  if (!value) return;
  MediaRules rules;
  rules.caption = out.type == "image" || out.type == "video" || out.type == "document";
  rules.filename = out.type == "document";
  rules.voice = out.type == "audio";
  auto media = ParseMediaObject(*value, out.type, rules, root.errors(), out.media_ids);
  if (!media) return;
  out.summary = MediaSummary(out.type, *media);
  out.graph_fields = {{"type", out.type}, {out.type, std::move(*media)}};
}

std::optional<Json> ParseMediaObject(const Json& value, const std::string& path, MediaRules rules, FieldErrors& errors,
                                     std::vector<std::string>& media_ids) {
  ObjectReader media(value, path, errors);
  std::vector<std::string_view> allowed = {"id", "link"};
  if (rules.caption) allowed.push_back("caption");
  if (rules.filename) allowed.push_back("filename");
  if (rules.voice) allowed.push_back("voice");
  media.AllowOnly(allowed);
  if (!media.ok()) return std::nullopt;

  bool has_id = media.Has("id");
  bool has_link = media.Has("link");
  if (has_id && has_link) {
    media.Fail("link", "is not allowed together with 'id' (give exactly one)");
  } else if (!has_id && !has_link) {
    errors.Fail(path, "must have exactly one of 'id' or 'link'");
  }
  Json graph = Json::object();
  if (auto id = media.String("id", false, kMaxMediaIdChars)) {
    if (!IsDigits(*id)) media.Fail("id", "must be a media id (digits only)");
    graph["id"] = *id;
  }
  if (auto link = media.String("link", false, kMaxUrlChars)) {
    if (!IsHttpUrl(*link)) media.Fail("link", "must be an absolute http:// or https:// URL");
    graph["link"] = *link;
  }
  if (rules.caption) media.CopyString(graph, "caption", false, kMaxCaptionChars);
  if (rules.filename) media.CopyString(graph, "filename", false, kMaxFilenameChars);
  if (rules.voice) media.CopyBool(graph, "voice");
  if (!errors.ok()) return std::nullopt;
  if (graph.contains("id")) media_ids.push_back(graph["id"].get<std::string>());
  return graph;
}

}  // namespace wagate::content::detail
