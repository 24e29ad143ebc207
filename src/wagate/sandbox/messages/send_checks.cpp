#include "wagate/sandbox/messages/send_checks.hpp"

#include <cmath>
#include <cstdlib>

#include "wagate/core/json/text_length.hpp"

namespace wagate::sandbox::checks {

GraphError Missing(const std::string& path) {
  return GraphError::Of(131008, "The parameter " + path + " is required.");
}
GraphError Invalid(std::string details) { return GraphError::Of(100, std::move(details)); }
GraphError BadValue(std::string details) { return GraphError::Of(131009, std::move(details)); }

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
    return GraphError::Of(rule.too_long_code, "Param " + path + " must be at most " + std::to_string(rule.max_chars) +
                                                  " characters long (has " + std::to_string(chars) + ").");
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
