#include "wagate/sandbox/messages/send_checks.hpp"

#include <cmath>
#include <cstdlib>

#include "wagate/core/json/text_length.hpp"

namespace wagate::sandbox::checks {

namespace {

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '[' || c == ']';
}

// "a.b[0].c" → "a['b'][0]['c']"
std::string BracketPath(std::string_view dotted) {
  std::string out;
  size_t dot = dotted.find('.');
  out.append(dotted.substr(0, dot));
  while (dot != std::string_view::npos) {
    dotted.remove_prefix(dot + 1);
    dot = dotted.find('.');
    std::string_view piece = dotted.substr(0, dot);
    std::string_view key = piece.substr(0, piece.find('['));
    out += "['" + std::string(key) + "']";
    out.append(piece.substr(key.size()));  // any "[i]" after the key
  }
  return out;
}

}  // namespace

std::string MetaParamPaths(std::string_view details) {
  std::string out;
  size_t i = 0;
  while (i < details.size()) {
    size_t next = std::string_view::npos;
    size_t marker_len = 0;
    for (std::string_view marker : {"Param ", "parameter ", " or "}) {
      size_t at = details.find(marker, i);
      if (at < next) next = at, marker_len = marker.size();
    }
    if (next == std::string_view::npos) break;
    size_t start = next + marker_len;
    size_t end = start;
    while (end < details.size() && IsPathChar(details[end])) ++end;
    while (end > start && details[end - 1] == '.') --end;  // the sentence's full stop
    out.append(details.substr(i, start - i));
    out += BracketPath(details.substr(start, end - start));
    i = end;
  }
  out.append(details.substr(std::min(i, details.size())));
  return out;
}

GraphError Missing(const std::string& path) {
  return GraphError::Of(131008, MetaParamPaths("The parameter " + path + " is required."));
}
GraphError Invalid(const std::string& details) { return GraphError::Of(100, MetaParamPaths(details)); }
GraphError BadValue(const std::string& details) { return GraphError::Of(131009, MetaParamPaths(details)); }

const json* Find(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Check String(const json& object, std::string_view name, const std::string& path, StringRule rule) {
  const json* value = Find(object, name);
  if (!value) return rule.required ? Check(Missing(path)) : std::nullopt;
  if (!value->is_string()) return Invalid("Param " + path + " must be a string.");
  size_t chars = core::Utf8Length(value->get_ref<const std::string&>());
  if (chars < rule.min_chars) return Invalid("Param " + path + " must not be empty.");
  if (chars > rule.max_chars) {
    return GraphError::Of(rule.too_long_code, MetaParamPaths("Param " + path + " must be at most " +
                                                             std::to_string(rule.max_chars) + " characters long."));
  }
  return std::nullopt;
}

Check Object(const json& object, std::string_view name, const std::string& path, bool required) {
  const json* value = Find(object, name);
  if (!value) return required ? Check(Missing(path)) : std::nullopt;
  if (!value->is_object()) return Invalid("Param " + path + " must be an object.");
  return std::nullopt;
}

Check Bool(const json& object, std::string_view name, const std::string& path) {
  const json* value = Find(object, name);
  if (value && !value->is_boolean()) return Invalid("Param " + path + " must be a boolean.");
  return std::nullopt;
}

Check NotAllowed(const json& object, std::string_view name, const std::string& path, std::string_view why) {
  if (Find(object, name)) return Invalid("Param " + path + " is not allowed: " + std::string(why) + ".");
  return std::nullopt;
}

bool IsHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme &&
        url.find_first_of(" \t\r\n") == std::string_view::npos) {
      return true;
    }
  }
  return false;
}

Check Coordinates(const json& object, const std::string& path) {
  for (auto [name, limit] : {std::pair<const char*, double>{"latitude", 90.0}, {"longitude", 180.0}}) {
    std::string field = path + "." + name;
    const json* value = Find(object, name);
    if (!value) return Missing(field);
    double degrees = 0;
    if (value->is_number()) {
      degrees = value->get<double>();
    } else if (value->is_string() && !value->get_ref<const std::string&>().empty()) {
      const std::string& text = value->get_ref<const std::string&>();
      char* end = nullptr;
      degrees = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return Invalid("Param " + field + " must be a number.");
    } else {
      return Invalid("Param " + field + " must be a number.");
    }
    if (!std::isfinite(degrees) || degrees < -limit || degrees > limit) {
      return BadValue("Param " + field + " must be between " + std::to_string(static_cast<int>(-limit)) + " and " +
                      std::to_string(static_cast<int>(limit)) + ".");
    }
  }
  return std::nullopt;
}

Check MediaSource(const json& object, const std::string& path, std::vector<MediaRef>* media) {
  const json* id = Find(object, "id");
  const json* link = Find(object, "link");
  if (!id && !link) return Missing(path + ".id or " + path + ".link");
  if (id && link) return Invalid("Param " + path + " must have either id or link, not both.");
  if (id) {
    if (auto e = String(object, "id", path + ".id", {.max_chars = 128})) return e;
    media->push_back(MediaRef{path + ".id", id->get<std::string>()});
    return std::nullopt;
  }
  if (auto e = String(object, "link", path + ".link", {.max_chars = 2048})) return e;
  if (!IsHttpUrl(link->get_ref<const std::string&>()))
    return Invalid("Param " + path + ".link must be an http(s) URL.");
  return std::nullopt;
}

}  // namespace wagate::sandbox::checks
