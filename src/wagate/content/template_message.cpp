// Template messages (cloud-api.md §1.7, §3.7): the shape of the send. Whether the template exists,
// is approved and takes these parameters is the template registry's question (see TemplateUse).
#include <cstdint>
#include <map>

#include "wagate/content/families.hpp"
#include "wagate/content/template_parameters.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

constexpr size_t kMaxTemplateNameChars = 512;  // §3.7
constexpr size_t kMaxLanguageCodeChars = 6;    // "fil", "en_US"
const std::vector<std::string> kComponentTypes = {"header", "body", "button"};
// Button sub_types whose parameters we know how to check. Others (mpm, order_details, …) carry
// payloads out of scope here and are rejected rather than passed on unchecked.
const std::vector<std::string> kButtonSubTypes = {"quick_reply", "url", "copy_code", "flow", "catalog"};

// Reads one component's parameters and enforces the named/positional rule within it.
class ComponentParameters final {
 public:
  ComponentParameters(const ObjectReader& component, ParameterPlace place, MessageContent& out)
      : component_(component), place_(std::move(place)), out_(out) {}

  // Graph's parameter array, or nullopt after a failure.
  std::optional<Json> Parse() {
    // A header has at most one variable and a button one dynamic value; a body any number.
    size_t max_items = place_.kind == ComponentKind::kBody ? SIZE_MAX : 1;
    const Json* list = component_.Array("parameters", true, 1, max_items);
    if (!list) return std::nullopt;
    Json graph = Json::array();
    for (size_t k = 0; k < list->size(); ++k) {
      std::string path = ElementPath(component_.PathOf("parameters"), k);
      std::optional<std::string> name;
      auto parameter = ParseTemplateParameter((*list)[k], path, place_, component_.errors(), out_.media_ids, name);
      if (!parameter || !CheckName(path, k, name)) return std::nullopt;
      graph.push_back(std::move(*parameter));
    }
    return graph;
  }

  bool named() const { return named_.value_or(false); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  // Meta: mixing named and positional parameters in one component is invalid; names are unique.
  bool CheckName(const std::string& path, size_t k, const std::optional<std::string>& name) {
    std::string field = MemberPath(path, "parameter_name");
    std::string first = ElementPath(component_.PathOf("parameters"), 0);
    if (!named_) named_ = name.has_value();
    if (*named_ && !name) {
      component_.errors().Fail(field, "is required: " + first +
                                          " is named, and a component's parameters are all "
                                          "named or all positional");
      return false;
    }
    if (!*named_ && name) {
      component_.errors().Fail(field, "is not allowed: " + first +
                                          " is positional, and a component's parameters are "
                                          "all named or all positional");
      return false;
    }
    if (!name) return true;
    auto [it, inserted] = first_use_.emplace(*name, k);
    if (!inserted) {
      component_.errors().Fail(
          field,
          "must be unique (same as " + ElementPath(component_.PathOf("parameters"), it->second) + ".parameter_name)");
      return false;
    }
    names_.push_back(*name);
    return true;
  }

  const ObjectReader& component_;
  ParameterPlace place_;
  MessageContent& out_;
  std::optional<bool> named_;
  std::vector<std::string> names_;
  std::map<std::string, size_t> first_use_;
};

// A button index: 0..9 as an integer or a one-digit string; Graph gets the string form.
std::optional<std::string> ButtonIndex(const ObjectReader& component) {
  const Json* v = component.Get("index", true);
  if (!v) return std::nullopt;
  if (v->is_number_integer() && v->get<int64_t>() >= 0 && v->get<int64_t>() <= 9) {
    return std::to_string(v->get<int64_t>());
  }
  if (v->is_string() && v->get_ref<const std::string&>().size() == 1 && IsDigits(v->get_ref<const std::string&>())) {
    return v->get<std::string>();
  }
  component.Fail("index", "must be a button position from 0 to 9 (an integer or a string such as \"0\")");
  return std::nullopt;
}

// One component; `first_path` maps component keys ("body", "button:1") to the path that used them.
std::optional<Json> ParseComponent(const Json& value, const std::string& path,
                                   std::map<std::string, std::string>& first_path, TemplateUse& use,
                                   MessageContent& out, FieldErrors& errors) {
  ObjectReader component(value, path, errors);
  auto type = component.OneOf("type", true, kComponentTypes, /*fold_case=*/true);  // Meta takes HEADER or header
  if (!type) return std::nullopt;
  bool button = *type == "button";
  if (button) {
    component.AllowOnly({"type", "sub_type", "index", "parameters"});
  } else {
    component.AllowOnly({"type", "parameters"});
  }
  Json graph = {{"type", *type}};
  ParameterPlace place;
  place.kind = *type == "header" ? ComponentKind::kHeader : button ? ComponentKind::kButton : ComponentKind::kBody;
  std::string key = *type;
  if (button) {
    auto sub_type = component.OneOf("sub_type", true, kButtonSubTypes, /*fold_case=*/true);
    auto index = ButtonIndex(component);
    if (!sub_type || !index) return std::nullopt;
    place.sub_type = *sub_type;
    graph["sub_type"] = *sub_type;
    graph["index"] = *index;
    key = "button:" + *index;
  }
  // At most one header and one body; a button index at most once.
  auto [it, inserted] = first_path.emplace(key, path);
  if (!inserted) {
    if (button) {
      component.Fail("index", "must be unique (same as " + MemberPath(it->second, "index") + ")");
    } else {
      component.Fail("type", "must not repeat: " + it->second + " is already the " + *type +
                                 " (at most one header and one body component)");
    }
    return std::nullopt;
  }
  ComponentParameters parameters(component, std::move(place), out);
  auto graph_parameters = parameters.Parse();
  if (!graph_parameters) return std::nullopt;
  use.parameter_counts[key] = graph_parameters->size();
  if (parameters.named()) {
    use.named = true;
    use.parameter_names[key] = parameters.names();
  }
  graph["parameters"] = std::move(*graph_parameters);
  return graph;
}

std::optional<Json> ParseLanguage(const ObjectReader& tmpl) {
  ObjectReader language = tmpl.Child("language", true);
  language.AllowOnly({"code", "policy"});
  Json graph = Json::object();
  if (auto code = language.String("code", true, kMaxLanguageCodeChars)) {
    if (!IsLanguageCode(*code)) language.Fail("code", "must be a language code such as en, en_US or pt_BR");
    graph["code"] = *code;
  }
  // Legacy member, still accepted by Meta; "deterministic" is its only value.
  if (auto policy = language.OneOf("policy", false, {"deterministic"})) graph["policy"] = *policy;
  if (!language.ok()) return std::nullopt;
  return graph;
}

}  // namespace

void ParseTemplate(const ObjectReader& root, MessageContent& out) {
  ObjectReader tmpl = root.Child("template", true);
  tmpl.AllowOnly({"name", "language", "components"});
  TemplateUse use;
  Json graph = Json::object();
  if (auto name = tmpl.String("name", true, kMaxTemplateNameChars)) {
    if (!IsTemplateName(*name)) tmpl.Fail("name", "must contain only lowercase letters a-z, digits and '_'");
    use.name = *name;
    graph["name"] = *name;
  }
  if (auto language = ParseLanguage(tmpl)) {
    use.language = (*language)["code"].get<std::string>();
    graph["language"] = std::move(*language);
  }
  if (const Json* components = tmpl.Array("components", false, 0, SIZE_MAX)) {
    std::map<std::string, std::string> first_path;
    Json graph_components = Json::array();
    for (size_t i = 0; i < components->size(); ++i) {
      std::string path = ElementPath(tmpl.PathOf("components"), i);
      auto component = ParseComponent((*components)[i], path, first_path, use, out, root.errors());
      if (!component) return;
      graph_components.push_back(std::move(*component));
    }
    graph["components"] = std::move(graph_components);
  }
  if (!root.ok()) return;
  out.summary = use.name;
  out.template_use = std::move(use);
  out.graph_fields = {{"type", "template"}, {"template", std::move(graph)}};
}

}  // namespace wagate::content::detail
