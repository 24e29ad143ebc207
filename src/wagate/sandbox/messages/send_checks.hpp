// The vocabulary of the send-body validators: which Graph code each kind of problem gets, and the field
// checks they share. Meta's split, as the sandbox models it (docs/sandbox.md):
//   131008 a required field is missing;
//   100    Graph's own parameter checks: wrong JSON type, unknown enum value, a field not allowed there,
//          lengths of plain fields (text.body, captions, callback data);
//   131009 a WhatsApp content rule: interactive limits and uniqueness, value ranges, reaction rules.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/sandbox/graph/graph_errors.hpp"

namespace wagate::sandbox {

// A media id a send refers to ("image.id", "template.components[0].parameters[0].image.id"): the
// sandbox answers 100 unless it issued the id.
struct MediaRef {
  std::string path;
  std::string id;
};

using Check = std::optional<GraphError>;

namespace checks {

using nlohmann::json;

// The checks name fields by dotted paths ("text.body", "interactive.action.buttons[0].reply.title");
// these three write them as Meta does in its error texts: text['body'], interactive['action']['buttons'][0]….
GraphError Missing(const std::string& path);      // 131008
GraphError Invalid(const std::string& details);   // 100
GraphError BadValue(const std::string& details);  // 131009
// The dotted paths named in `details` (after "Param ", "parameter " or " or ") in Meta's bracket form.
std::string MetaParamPaths(std::string_view details);

// The field when present and not null.
const json* Find(const json& object, std::string_view name);

struct StringRule {
  bool required = true;
  size_t min_chars = 1;
  size_t max_chars = 4096;
  int too_long_code = 100;  // 131009 for WhatsApp content limits
};
// `path` names the field in messages ("interactive.body.text"). Lengths count Unicode characters.
Check String(const json& object, std::string_view name, const std::string& path, StringRule rule);
// An object field: absent → 131008 when required; not an object → 100.
Check Object(const json& object, std::string_view name, const std::string& path, bool required);
Check Bool(const json& object, std::string_view name, const std::string& path);
// Absent is fine; present means the field is not allowed on this type (100).
Check NotAllowed(const json& object, std::string_view name, const std::string& path, std::string_view why);

bool IsHttpUrl(std::string_view url);
// `latitude` and `longitude`: required, numbers or numeric strings (Meta accepts both on send), in range.
Check Coordinates(const json& object, const std::string& path);
// Exactly one of `id` (recorded in `media`) or an http(s) `link`.
Check MediaSource(const json& object, const std::string& path, std::vector<MediaRef>* media);

}  // namespace checks
}  // namespace wagate::sandbox
