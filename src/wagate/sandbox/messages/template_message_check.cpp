#include "wagate/sandbox/messages/template_message_check.hpp"

#include <set>

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using namespace checks;  // NOLINT: the vocabulary of this file

constexpr size_t kMaxButtonIndex = 9;         // templates have at most 10 buttons
constexpr size_t kMaxTextParamChars = 32768;  // the body-only legacy maximum; hydrated limits are not modelled
constexpr size_t kMaxCouponChars = 20;

const std::set<std::string>& ParameterTypes() {
  static const std::set<std::string> types = {"text",     "currency", "date_time", "image",       "video",
                                              "document", "location", "payload",   "coupon_code", "action"};
  return types;
}

Check Currency(const json& param, const std::string& path) {
  if (auto e = Object(param, "currency", path, true)) return e;
  const json& currency = param["currency"];
  if (auto e = String(currency, "fallback_value", path + ".fallback_value", {.max_chars = 1024})) return e;
  if (auto e = String(currency, "code", path + ".code", {.min_chars = 3, .max_chars = 3})) return e;
  const json* amount = Find(currency, "amount_1000");
  if (!amount) return Missing(path + ".amount_1000");
  if (!amount->is_number_integer()) return Invalid("Param " + path + ".amount_1000 must be an integer.");
  return std::nullopt;
}

Check Parameter(const json& param, const std::string& path, std::vector<MediaRef>* media) {
  if (!param.is_object()) return Invalid("Param " + path + " must be an object.");
  if (auto e = String(param, "type", path + ".type", {.max_chars = 32})) return e;
  std::string type = param["type"].get<std::string>();
  if (!ParameterTypes().count(type)) {
    return Invalid("Param " + path +
                   ".type must be one of {text, currency, date_time, image, video, document, "
                   "location, payload, coupon_code, action}; got \"" +
                   type + "\".");
  }
  if (auto e = String(param, "parameter_name", path + ".parameter_name", {.required = false, .max_chars = 512})) {
    return e;
  }
  std::string value = path + "." + type;
  if (type == "text") return String(param, "text", value, {.max_chars = kMaxTextParamChars});
  if (type == "payload") return String(param, "payload", value, {.max_chars = 4096});
  if (type == "coupon_code") return String(param, "coupon_code", value, {.max_chars = kMaxCouponChars});
  if (type == "currency") return Currency(param, value);
  if (auto e = Object(param, type, value, true)) return e;
  if (type == "date_time") return String(param[type], "fallback_value", value + ".fallback_value", {.max_chars = 1024});
  if (type == "location") return Coordinates(param[type], value);
  if (type == "action") return std::nullopt;
  if (type != "document") {
    if (auto e = NotAllowed(param[type], "filename", value + ".filename", "only documents have a filename")) return e;
  }
  return MediaSource(param[type], value, media);
}

Check Component(const json& component, const std::string& path, std::set<std::string>* seen,
                std::set<size_t>* button_indexes, std::vector<MediaRef>* media) {
  if (!component.is_object()) return Invalid("Param " + path + " must be an object.");
  if (auto e = String(component, "type", path + ".type", {.max_chars = 32})) return e;
  std::string type = LowerAscii(component["type"].get<std::string>());
  if (type != "header" && type != "body" && type != "button") {
    return Invalid("Param " + path + ".type must be one of {header, body, button}; got \"" + type + "\".");
  }
  if (type == "button") {
    if (auto e = String(component, "sub_type", path + ".sub_type", {.max_chars = 32})) return e;
    std::string sub_type = LowerAscii(component["sub_type"].get<std::string>());
    static const std::set<std::string> kSubTypes = {"quick_reply", "url", "copy_code", "flow", "catalog", "mpm"};
    if (!kSubTypes.count(sub_type)) {
      return Invalid("Param " + path + ".sub_type must be one of {quick_reply, url, copy_code, flow, catalog, mpm}.");
    }
    if (!Find(component, "index")) return Missing(path + ".index");
    std::optional<size_t> index = ButtonIndex(component);
    if (!index) return Invalid("Param " + path + ".index must be a button position from 0 to 9.");
    if (!button_indexes->insert(*index).second) {
      return Invalid("Param " + path + ".index repeats button index " + std::to_string(*index) + ".");
    }
  } else if (!seen->insert(type).second) {
    return Invalid("Param template.components has more than one " + type + " component.");
  }
  const json* params = Find(component, "parameters");
  if (!params) return Missing(path + ".parameters");
  if (!params->is_array()) return Invalid("Param " + path + ".parameters must be an array.");
  for (size_t i = 0; i < params->size(); ++i) {
    if (auto e = Parameter((*params)[i], path + ".parameters[" + std::to_string(i) + "]", media)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<size_t> ButtonIndex(const json& component) {
  const json* index = checks::Find(component, "index");
  if (!index) return std::nullopt;
  if (index->is_number_unsigned() && index->get<uint64_t>() <= kMaxButtonIndex) return index->get<size_t>();
  if (index->is_number_integer() && index->get<int64_t>() >= 0 && index->get<int64_t>() <= 9) {
    return static_cast<size_t>(index->get<int64_t>());
  }
  if (index->is_string()) {
    const std::string& s = index->get_ref<const std::string&>();
    if (s.size() == 1 && s[0] >= '0' && s[0] <= '9') return static_cast<size_t>(s[0] - '0');
  }
  return std::nullopt;
}

Check CheckTemplateMessage(const json& tmpl, std::vector<MediaRef>* media) {
  if (auto e = String(tmpl, "name", "template.name", {.max_chars = 512})) return e;
  if (auto e = Object(tmpl, "language", "template.language", true)) return e;
  if (auto e = String(tmpl["language"], "code", "template.language.code", {.max_chars = 16})) return e;
  // Chatwoot and older SDKs still send the legacy `policy`; "deterministic" is its only value.
  if (const json* policy = Find(tmpl["language"], "policy"); policy && *policy != "deterministic") {
    return Invalid("Param template.language.policy must be \"deterministic\".");
  }
  const json* components = Find(tmpl, "components");
  if (!components) return std::nullopt;
  if (!components->is_array()) return Invalid("Param template.components must be an array.");
  std::set<std::string> seen;
  std::set<size_t> button_indexes;
  for (size_t i = 0; i < components->size(); ++i) {
    std::string path = "template.components[" + std::to_string(i) + "]";
    if (auto e = Component((*components)[i], path, &seen, &button_indexes, media)) return e;
  }
  return std::nullopt;
}

}  // namespace wagate::sandbox
