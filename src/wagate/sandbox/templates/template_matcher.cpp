#include "wagate/sandbox/templates/template_matcher.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "wagate/sandbox/messages/template_message_check.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

GraphError CountMismatch(const std::string& where, size_t expected, size_t got) {
  return GraphError::Of(132000, "Number of parameters does not match the expected number of params: " + where +
                                    " expects " + std::to_string(expected) + ", got " + std::to_string(got) + ".");
}
GraphError FormatMismatch(std::string details) { return GraphError::Of(132012, std::move(details)); }

size_t ParamCount(const json* component) {
  if (!component) return 0;
  auto it = component->find("parameters");
  return it == component->end() || !it->is_array() ? 0 : it->size();
}

// Header text and body parameters: allowed types, and names exactly as the template's format wants them.
Check TextParameters(const json& params, const std::string& where, const std::vector<std::string>& names,
                     ParameterFormat format, const std::set<std::string>& types) {
  std::set<std::string> used;
  for (size_t i = 0; i < params.size(); ++i) {
    const json& p = params[i];
    std::string at = where + " parameter " + std::to_string(i);
    std::string type = p["type"].get<std::string>();
    if (!types.count(type))
      return FormatMismatch(at + " has type " + type + ", which the template does not take there.");
    auto name = p.find("parameter_name");
    bool named = name != p.end() && !name->is_null();
    if (format == ParameterFormat::kPositional) {
      if (named) return FormatMismatch(at + " has a parameter_name, but the template uses positional parameters.");
      continue;
    }
    if (!named) return FormatMismatch(at + " has no parameter_name, but the template uses named parameters.");
    const std::string& n = name->get_ref<const std::string&>();
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      return FormatMismatch(at + " names {{" + n + "}}, which the template does not have.");
    }
    if (!used.insert(n).second) return FormatMismatch(at + " repeats parameter_name " + n + ".");
  }
  return std::nullopt;
}

Check Header(const json* component, const TemplateSpec& spec) {
  bool media = !spec.header_format.empty() && spec.header_format != "TEXT";
  size_t expected = media ? 1 : spec.header_params.size();
  if (ParamCount(component) != expected) return CountMismatch("the header", expected, ParamCount(component));
  if (!component) return std::nullopt;
  const json& params = (*component)["parameters"];
  if (!media) return TextParameters(params, "header", spec.header_params, spec.format, {"text"});
  std::string want = LowerAscii(spec.header_format);
  if (params[0]["type"] != want) {
    return FormatMismatch("header parameter 0 has type " + params[0]["type"].get<std::string>() +
                          ", but the template's header is " + spec.header_format + ".");
  }
  return std::nullopt;
}

Check Buttons(const std::map<size_t, const json*>& sent, const TemplateSpec& spec) {
  for (size_t i = 0; i < spec.buttons.size(); ++i) {
    const ButtonSpec& button = spec.buttons[i];
    auto it = sent.find(i);
    size_t got = it == sent.end() ? 0 : ParamCount(it->second);
    if (got < button.min_params || got > button.max_params) {
      size_t expected = got < button.min_params ? button.min_params : button.max_params;
      return CountMismatch("button " + std::to_string(i) + " (" + button.type + ")", expected, got);
    }
  }
  for (const auto& [index, component] : sent) {
    if (index >= spec.buttons.size()) {
      return CountMismatch(
          "button " + std::to_string(index) + " (the template has " + std::to_string(spec.buttons.size()) + " buttons)",
          0, ParamCount(component));
    }
    const ButtonSpec& button = spec.buttons[index];
    std::string sub_type = LowerAscii((*component)["sub_type"].get<std::string>());
    if (sub_type != button.sub_type) {
      return FormatMismatch("button " + std::to_string(index) + " has sub_type " + sub_type +
                            ", but the template's "
                            "button there is " +
                            button.type + ".");
    }
    for (const json& p : (*component)["parameters"]) {
      if (!button.param_type.empty() && p["type"] != button.param_type) {
        return FormatMismatch("button " + std::to_string(index) + " takes a " + button.param_type + " parameter, got " +
                              p["type"].get<std::string>() + ".");
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Check MatchTemplate(const json& tmpl, const TemplateSpec& spec) {
  const json* header = nullptr;
  const json* body = nullptr;
  std::map<size_t, const json*> buttons;
  if (auto it = tmpl.find("components"); it != tmpl.end() && it->is_array()) {
    for (const json& component : *it) {
      std::string type = LowerAscii(component["type"].get<std::string>());
      if (type == "header") header = &component;
      if (type == "body") body = &component;
      if (type == "button") buttons[*ButtonIndex(component)] = &component;
    }
  }
  if (auto e = Header(header, spec)) return e;
  if (ParamCount(body) != spec.body_params.size()) {
    return CountMismatch("the body", spec.body_params.size(), ParamCount(body));
  }
  if (body) {
    if (auto e = TextParameters((*body)["parameters"], "body", spec.body_params, spec.format,
                                {"text", "currency", "date_time"})) {
      return e;
    }
  }
  return Buttons(buttons, spec);
}

}  // namespace wagate::sandbox
