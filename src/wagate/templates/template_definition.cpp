#include "wagate/templates/template_definition.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace wagate::templates {
namespace {

using nlohmann::json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string StringOr(const json& j, const char* key, std::string fallback = {}) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  if (j.is_object() && j.contains(key) && j[key].is_number_integer()) return std::to_string(j[key].get<int64_t>());
  return fallback;
}

store::ComponentParameters FromPlaceholders(const std::vector<std::string>& placeholders, bool named) {
  store::ComponentParameters p;
  p.count = placeholders.size();
  if (named) p.names = placeholders;
  return p;
}

std::string Describe(const std::string& key) {
  if (key.rfind("button:", 0) == 0) return "button " + key.substr(7);
  return key;
}

core::Error Invalid(std::string code, std::string message) {
  return core::Error::Invalid(std::move(code), std::move(message));
}

}  // namespace

std::vector<std::string> Placeholders(const std::string& text) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t i = 0;
  while ((i = text.find("{{", i)) != std::string::npos) {
    size_t end = text.find("}}", i + 2);
    if (end == std::string::npos) break;
    std::string inner = text.substr(i + 2, end - i - 2);
    inner.erase(std::remove(inner.begin(), inner.end(), ' '), inner.end());
    bool valid = !inner.empty() && std::all_of(inner.begin(), inner.end(), [](unsigned char c) {
      return std::islower(c) || std::isdigit(c) || c == '_';
    });
    if (valid && seen.insert(inner).second) out.push_back(inner);
    i = end + 2;
  }
  return out;
}

store::TemplateRecord FromGraph(const std::string& waba_id, const json& g, int64_t now) {
  store::TemplateRecord t;
  t.waba_id = waba_id;
  t.graph_id = StringOr(g, "id");
  t.name = StringOr(g, "name");
  t.language = StringOr(g, "language");
  t.category = Upper(StringOr(g, "category", "UTILITY"));
  t.status = Upper(StringOr(g, "status", "PENDING"));
  t.parameter_format = StringOr(g, "parameter_format", "POSITIONAL");
  for (char& c : t.parameter_format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.parameter_format != "named") t.parameter_format = "positional";
  bool named = t.parameter_format == "named";
  t.updated_at = now;
  if (g.is_object() && g.contains("components") && g["components"].is_array()) t.components = g["components"];
  for (const json& c : t.components) {
    if (!c.is_object()) continue;
    std::string type = Upper(StringOr(c, "type"));
    if (type == "HEADER") {
      std::string format = Upper(StringOr(c, "format", "TEXT"));
      if (format == "TEXT") {
        auto ph = Placeholders(StringOr(c, "text"));
        if (!ph.empty()) t.parameters["header"] = FromPlaceholders(ph, named);
      } else if (format == "IMAGE" || format == "VIDEO" || format == "DOCUMENT" || format == "LOCATION") {
        t.parameters["header"] = store::ComponentParameters{1, {}, false};  // the media (or place) itself
      }
    } else if (type == "BODY") {
      auto ph = Placeholders(StringOr(c, "text"));
      if (!ph.empty()) t.parameters["body"] = FromPlaceholders(ph, named);
    } else if (type == "BUTTONS" && c.contains("buttons") && c["buttons"].is_array()) {
      for (size_t i = 0; i < c["buttons"].size(); ++i) {
        const json& b = c["buttons"][i];
        std::string btype = Upper(StringOr(b, "type"));
        std::string key = "button:" + std::to_string(i);
        if (btype == "URL" && !Placeholders(StringOr(b, "url")).empty()) {
          t.parameters[key] = store::ComponentParameters{1, {}, false};  // the dynamic URL suffix
        } else if (btype == "COPY_CODE" || btype == "OTP") {
          t.parameters[key] = store::ComponentParameters{1, {}, false};
        } else if (btype == "QUICK_REPLY") {
          t.parameters[key] = store::ComponentParameters{1, {}, true};
        }
      }
    }
  }
  return t;
}

core::Status CheckSend(const store::TemplateRecord& t, const content::TemplateUse& use) {
  std::string label = "template '" + t.name + "' (" + t.language + ")";
  if (t.status != "APPROVED") {
    std::string why =
        t.status_reason && !t.status_reason->empty() && *t.status_reason != "NONE" ? " (" + *t.status_reason + ")" : "";
    return Invalid("template_not_approved", label + " is " + t.status + why + "; only APPROVED templates can be sent");
  }
  bool named = t.parameter_format == "named";
  for (const auto& [key, given] : use.parameter_counts) {
    if (given > 0 && !t.parameters.count(key)) {
      return Invalid("template_parameter_mismatch", label + " has no parameters in its " + Describe(key) +
                                                        ", but the send gives " + std::to_string(given));
    }
  }
  for (const auto& [key, want] : t.parameters) {
    auto it = use.parameter_counts.find(key);
    size_t given = it == use.parameter_counts.end() ? 0 : it->second;
    if (want.optional && given <= want.count) continue;
    if (given != want.count) {
      return Invalid("template_parameter_mismatch", label + " expects " + std::to_string(want.count) + " parameter" +
                                                        (want.count == 1 ? "" : "s") + " in its " + Describe(key) +
                                                        ", the send gives " + std::to_string(given));
    }
    if (named && !want.names.empty()) {
      auto names = use.parameter_names.find(key);
      if (!use.named || names == use.parameter_names.end()) {
        return Invalid("template_parameter_mismatch",
                       label + " uses named parameters: give each " + Describe(key) + " parameter a parameter_name");
      }
      std::set<std::string> want_set(want.names.begin(), want.names.end());
      std::set<std::string> given_set(names->second.begin(), names->second.end());
      if (want_set != given_set) {
        std::string expected;
        for (const auto& n : want.names) expected += (expected.empty() ? "" : ", ") + n;
        return Invalid("template_parameter_mismatch",
                       label + " expects the " + Describe(key) + " parameters named: " + expected);
      }
    } else if (!named && use.named && (key == "header" || key == "body")) {
      return Invalid("template_parameter_mismatch",
                     label + " uses positional parameters ({{1}}, {{2}}…): remove parameter_name");
    }
  }
  return core::Ok{};
}

}  // namespace wagate::templates
