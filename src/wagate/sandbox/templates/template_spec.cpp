#include "wagate/sandbox/templates/template_spec.hpp"

#include <algorithm>
#include <cctype>

#include "wagate/core/json/text_length.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

constexpr size_t kHeaderTextChars = 60;
constexpr size_t kBodyChars = 1024;
constexpr size_t kFooterChars = 60;
constexpr size_t kMaxButtons = 10;
constexpr size_t kMaxUrlButtons = 2;
constexpr size_t kButtonTextChars = 25;
constexpr size_t kButtonUrlChars = 2000;

core::Error Problem(std::string message) { return core::Error::Invalid("invalid_template", std::move(message)); }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool IsPlaceholderName(std::string_view s) {
  return !s.empty() && !(s[0] >= '0' && s[0] <= '9') && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsNumber(std::string_view s) {
  return !s.empty() && s.size() <= 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The distinct placeholders of `text` in order of first use, checked against the template's format.
core::Result<std::vector<std::string>> Placeholders(std::string_view text, ParameterFormat format,
                                                    const std::string& where) {
  std::vector<std::string> found;
  for (size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open + 2)) {
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return Problem(where + " has an unclosed placeholder '{{'");
    std::string name(text.substr(open + 2, close - open - 2));
    if (IsNumber(name)) {
      if (format == ParameterFormat::kNamed) {
        return Problem(where + " uses positional placeholder {{" + name + "}} in a template with named parameters");
      }
    } else if (IsPlaceholderName(name)) {
      if (format == ParameterFormat::kPositional) {
        return Problem(where + " uses named placeholder {{" + name + "}} in a template with positional parameters");
      }
    } else {
      return Problem(where + " has an invalid placeholder {{" + name + "}} (use {{1}} or lowercase {{a_name}})");
    }
    if (std::find(found.begin(), found.end(), name) == found.end()) found.push_back(name);
  }
  if (format == ParameterFormat::kPositional) {
    std::vector<int> numbers;
    for (const std::string& n : found) numbers.push_back(std::stoi(n));
    std::sort(numbers.begin(), numbers.end());
    for (size_t i = 0; i < numbers.size(); ++i) {
      if (numbers[i] != static_cast<int>(i) + 1) {
        return Problem(where + " must number its placeholders {{1}} to {{" + std::to_string(numbers.size()) +
                       "}} without gaps");
      }
    }
  }
  return found;
}

// A string field of a component; "" when absent and not required.
core::Result<std::string> Text(const json& object, const char* name, const std::string& where, bool required,
                               size_t max_chars, bool strict) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Problem(where + " needs '" + name + "'");
    return std::string();
  }
  if (!it->is_string()) return Problem(where + " '" + name + "' must be a string");
  const std::string& text = it->get_ref<const std::string&>();
  if (strict && (text.empty() || core::Utf8Length(text) > max_chars)) {
    return Problem(where + " '" + name + "' must have 1 to " + std::to_string(max_chars) + " characters");
  }
  return text;
}

core::Status Header(json& component, ParameterFormat format, bool strict, TemplateSpec* spec) {
  std::string fmt = component.contains("format") && component["format"].is_string()
                        ? Upper(component["format"].get<std::string>())
                        : "";
  static const std::vector<std::string> kFormats = {"TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"};
  if (std::find(kFormats.begin(), kFormats.end(), fmt) == kFormats.end()) {
    return Problem("HEADER needs a format: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION");
  }
  component["format"] = fmt;
  spec->header_format = fmt;
  if (fmt != "TEXT") return core::Ok{};
  auto text = Text(component, "text", "HEADER", true, kHeaderTextChars, strict);
  if (!text.ok()) return text.error();
  auto params = Placeholders(*text, format, "HEADER text");
  if (!params.ok()) return params.error();
  if (params->size() > 1) return Problem("HEADER text may have at most one placeholder");
  spec->header_params = std::move(*params);
  return core::Ok{};
}

core::Status Body(const json& component, ParameterFormat format, std::string_view category, bool strict,
                  TemplateSpec* spec) {
  // Authentication templates have a fixed body ("<code> is your verification code") that takes the code.
  bool authentication = category == "AUTHENTICATION" && !component.contains("text");
  if (authentication) {
    spec->body_params = {format == ParameterFormat::kNamed ? "code" : "1"};
    return core::Ok{};
  }
  auto text = Text(component, "text", "BODY", true, kBodyChars, strict);
  if (!text.ok()) return text.error();
  auto params = Placeholders(*text, format, "BODY text");
  if (!params.ok()) return params.error();
  spec->body_params = std::move(*params);
  return core::Ok{};
}

core::Status Footer(const json& component, bool strict) {
  auto text = Text(component, "text", "FOOTER", strict, kFooterChars, strict);
  if (!text.ok()) return text.error();
  if (text->find("{{") != std::string::npos) return Problem("FOOTER text cannot have placeholders");
  return core::Ok{};
}

core::Result<ButtonSpec> Button(json& button, size_t index, bool strict) {
  std::string where = "BUTTONS[" + std::to_string(index) + "]";
  if (!button.is_object() || !button.contains("type") || !button["type"].is_string()) {
    return Problem(where + " needs a type");
  }
  ButtonSpec spec;
  spec.type = Upper(button["type"].get<std::string>());
  button["type"] = spec.type;
  // OTP and COPY_CODE buttons have fixed labels ("Copy code", "Copy offer code").
  bool labelled = spec.type != "OTP" && spec.type != "COPY_CODE";
  auto label = Text(button, "text", where, strict && labelled, kButtonTextChars, strict && labelled);
  if (!label.ok()) return label.error();
  if (spec.type == "QUICK_REPLY") {
    spec = {spec.type, "quick_reply", 0, 1, "payload"};
  } else if (spec.type == "URL") {
    auto url = Text(button, "url", where, true, kButtonUrlChars, strict);
    if (!url.ok()) return url.error();
    if (strict && url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
      return Problem(where + " url must start with http:// or https://");
    }
    auto params = Placeholders(*url, ParameterFormat::kPositional, where + " url");  // URL suffixes are {{1}}
    if (!params.ok()) return params.error();
    if (params->size() > 1) return Problem(where + " url may have at most one placeholder");
    spec = {spec.type, "url", params->size(), params->size(), "text"};
  } else if (spec.type == "COPY_CODE") {
    spec = {spec.type, "copy_code", 1, 1, "coupon_code"};
  } else if (spec.type == "OTP") {
    spec = {spec.type, "url", 1, 1, "text"};  // the code goes in again as a url-subtype parameter
  } else if (spec.type == "PHONE_NUMBER") {
    auto phone = Text(button, "phone_number", where, strict, 20, strict);
    if (!phone.ok()) return phone.error();
    spec = {spec.type, "", 0, 0, ""};
  } else if (spec.type == "FLOW") {
    spec = {spec.type, "flow", 0, 1, "action"};
  } else {  // catalog, multi-product and newer types: an optional parameter of any kind
    std::string sub_type = spec.type;
    std::transform(sub_type.begin(), sub_type.end(), sub_type.begin(), [](char c) { return std::tolower(c); });
    spec = {spec.type, sub_type, 0, 1, ""};
  }
  return spec;
}

core::Status Buttons(json& component, bool strict, TemplateSpec* spec) {
  if (!component.contains("buttons") || !component["buttons"].is_array())
    return Problem("BUTTONS needs a buttons array");
  json& buttons = component["buttons"];
  if (buttons.empty() || (strict && buttons.size() > kMaxButtons)) return Problem("BUTTONS must have 1 to 10 buttons");
  size_t url_buttons = 0;
  for (size_t i = 0; i < buttons.size(); ++i) {
    auto button = Button(buttons[i], i, strict);
    if (!button.ok()) return button.error();
    if (button->type == "URL") ++url_buttons;
    spec->buttons.push_back(std::move(*button));
  }
  if (strict && url_buttons > kMaxUrlButtons) return Problem("BUTTONS may have at most 2 URL buttons");
  return core::Ok{};
}

}  // namespace

std::optional<ParameterFormat> ParseParameterFormat(std::string_view text) {
  std::string upper = Upper(std::string(text));
  if (upper == "POSITIONAL") return ParameterFormat::kPositional;
  if (upper == "NAMED") return ParameterFormat::kNamed;
  return std::nullopt;
}

std::string_view ParameterFormatName(ParameterFormat format) {
  return format == ParameterFormat::kNamed ? "NAMED" : "POSITIONAL";
}

core::Result<ParsedComponents> ParseTemplateComponents(const json& components, ParameterFormat format,
                                                       std::string_view category, bool strict) {
  if (!components.is_array()) return Problem("components must be an array");
  ParsedComponents out;
  out.spec.format = format;
  out.components = json::array();
  std::vector<std::string> seen;
  for (const json& original : components) {
    if (!original.is_object() || !original.contains("type") || !original["type"].is_string()) {
      return Problem("each component needs a type: HEADER, BODY, FOOTER or BUTTONS");
    }
    json component = original;
    std::string type = Upper(component["type"].get<std::string>());
    component["type"] = type;
    if (std::find(seen.begin(), seen.end(), type) != seen.end()) return Problem("more than one " + type + " component");
    seen.push_back(type);
    core::Status status = core::Ok{};
    if (type == "HEADER") {
      status = Header(component, format, strict, &out.spec);
    } else if (type == "BODY") {
      status = Body(component, format, category, strict, &out.spec);
    } else if (type == "FOOTER") {
      status = Footer(component, strict);
    } else if (type == "BUTTONS") {
      status = Buttons(component, strict, &out.spec);
    } else if (strict) {
      status = Problem("unknown component type '" + type + "' (HEADER, BODY, FOOTER or BUTTONS)");
    }
    if (!status.ok()) return status.error();
    out.components.push_back(std::move(component));
  }
  if (std::find(seen.begin(), seen.end(), "BODY") == seen.end()) return Problem("a BODY component is required");
  return out;
}

}  // namespace wagate::sandbox
