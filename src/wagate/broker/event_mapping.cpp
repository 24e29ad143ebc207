#include "wagate/broker/event_mapping.hpp"

#include <charconv>

namespace wagate::broker {
namespace {

using Json = nlohmann::json;

core::Error MappingError(const config::BrokerMapping& m, const std::string& path, const std::string& problem) {
  core::Error e{core::ErrorKind::kUnprocessable, "mapping_failed",
                "mapping of event '" + m.event + "': '" + path + "' " + problem};
  e.field = path;
  return e;
}

// A parameter's text: strings as they are, numbers as JSON writes them (12, 1234.5), booleans as words.
core::Result<std::string> ScalarText(const config::BrokerMapping& m, const Json& root, const std::string& path) {
  const Json* v = FindPath(root, path);
  if (!v || v->is_null()) return MappingError(m, path, "is missing from the event");
  if (v->is_string()) {
    if (v->get_ref<const std::string&>().empty()) return MappingError(m, path, "is empty in the event");
    return v->get<std::string>();
  }
  if (v->is_number() || v->is_boolean()) return v->dump();
  return MappingError(m, path, "must be a string or a number in the event");
}

}  // namespace

const Json* FindPath(const Json& root, std::string_view path) {
  const Json* at = &root;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (at->is_object()) {
      auto it = at->find(std::string(part));
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || end != part.data() + part.size() || index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

core::Result<MappedSend> MapEvent(const config::BrokerMapping& m, const Json& event) {
  auto to = ScalarText(m, event, m.to);
  if (!to) return to.error();
  Json parameters = Json::array();
  for (const auto& path : m.parameters) {
    auto text = ScalarText(m, event, path);
    if (!text) return text.error();
    parameters.push_back({{"type", "text"}, {"text", std::move(*text)}});
  }
  Json tmpl = {{"name", m.template_name}, {"language", {{"code", m.language}}}};
  if (!parameters.empty()) tmpl["components"] = Json::array({{{"type", "body"}, {"parameters", parameters}}});
  MappedSend out;
  out.body = {{"outlet_id", m.outlet_id},
              {"to", std::move(*to)},
              {"message_type", "template"},
              {"template", std::move(tmpl)},
              {"priority", m.priority}};
  if (!m.idempotency_key.empty()) {
    auto key = ScalarText(m, event, m.idempotency_key);
    if (!key) return key.error();
    out.idempotency_key = m.event + ":" + *key;
  }
  return out;
}

}  // namespace wagate::broker
