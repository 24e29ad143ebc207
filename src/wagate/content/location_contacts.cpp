// Location and contacts messages: cloud-api.md §1.5.
#include <charconv>
#include <cmath>
#include <cstdint>

#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

constexpr size_t kMaxContacts = 257;  // §1.5

// A coordinate as Meta takes it: a JSON number or a numeric string ("37.48"), within ±limit.
std::optional<Json> Coordinate(const ObjectReader& location, std::string_view name, double limit) {
  const Json* v = location.Get(name, true);
  if (!v) return std::nullopt;
  std::optional<double> number;
  if (v->is_number()) {
    number = v->get<double>();
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    double parsed = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) number = parsed;
  }
  std::string range =
      "from " + std::to_string(static_cast<int>(-limit)) + " to " + std::to_string(static_cast<int>(limit));
  if (!number || !std::isfinite(*number) || *number < -limit || *number > limit) {
    location.Fail(name, "must be a number " + range + " (a JSON number or a numeric string)");
    return std::nullopt;
  }
  return *v;
}

// Objects whose members are all optional strings (phones[], emails[], urls[], addresses[], org);
// at least one member, since an empty entry says nothing.
std::optional<Json> StringMembers(const Json& value, const std::string& path,
                                  const std::vector<std::string_view>& names, FieldErrors& errors) {
  ObjectReader reader(value, path, errors);
  reader.AllowOnly(names);
  Json graph = Json::object();
  for (auto name : names) reader.CopyString(graph, name, false, kMaxFreeTextChars);
  if (!errors.ok()) return std::nullopt;
  if (graph.empty()) errors.Fail(path, "must have at least one of: " + JoinChoices({names.begin(), names.end()}));
  if (!errors.ok()) return std::nullopt;
  return graph;
}

void CopyStringList(const ObjectReader& contact, Json& graph, std::string_view name,
                    const std::vector<std::string_view>& names) {
  const Json* list = contact.Array(name, false, 0, SIZE_MAX);
  if (!list) return;
  Json items = Json::array();
  for (size_t i = 0; i < list->size(); ++i) {
    auto item = StringMembers((*list)[i], ElementPath(contact.PathOf(name), i), names, contact.errors());
    if (!item) return;
    items.push_back(std::move(*item));
  }
  graph[std::string(name)] = std::move(items);
}

std::optional<Json> ParseName(const ObjectReader& contact) {
  ObjectReader name = contact.Child("name", true);
  static const std::vector<std::string_view> kParts = {"first_name", "last_name", "middle_name", "suffix", "prefix"};
  std::vector<std::string_view> allowed = kParts;
  allowed.push_back("formatted_name");
  name.AllowOnly(allowed);
  Json graph = Json::object();
  name.CopyString(graph, "formatted_name", true, kMaxFreeTextChars);
  for (auto part : kParts) name.CopyString(graph, part, false, kMaxFreeTextChars);
  if (!name.ok()) return std::nullopt;
  // Meta's contacts reference: "At least one of the optional parameters needs to be included along
  // with the formatted_name parameter."
  if (graph.size() == 1) {
    name.errors().Fail(name.path(),
                       "must have at least one of first_name, last_name, middle_name, suffix, prefix "
                       "besides formatted_name");
    return std::nullopt;
  }
  return graph;
}

std::optional<Json> ParseContact(const Json& value, const std::string& path, FieldErrors& errors) {
  ObjectReader contact(value, path, errors);
  contact.AllowOnly({"name", "birthday", "phones", "emails", "urls", "addresses", "org"});
  auto name = ParseName(contact);
  if (!name) return std::nullopt;
  Json graph = {{"name", std::move(*name)}};
  if (auto birthday = contact.String("birthday", false, 10)) {
    if (!IsIsoDate(*birthday)) contact.Fail("birthday", "must be a date written YYYY-MM-DD");
    graph["birthday"] = *birthday;
  }
  CopyStringList(contact, graph, "phones", {"phone", "type", "wa_id"});
  CopyStringList(contact, graph, "emails", {"email", "type"});
  CopyStringList(contact, graph, "urls", {"url", "type"});
  CopyStringList(contact, graph, "addresses", {"street", "city", "state", "zip", "country", "country_code", "type"});
  if (const Json* org = contact.Get("org", false)) {
    if (auto o = StringMembers(*org, contact.PathOf("org"), {"company", "department", "title"}, errors)) {
      graph["org"] = std::move(*o);
    }
  }
  if (!errors.ok()) return std::nullopt;
  return graph;
}

}  // namespace

std::optional<Json> ParseLocationObject(const Json& value, const std::string& path, FieldErrors& errors) {
  ObjectReader location(value, path, errors);
  location.AllowOnly({"latitude", "longitude", "name", "address"});
  Json graph = Json::object();
  if (auto latitude = Coordinate(location, "latitude", 90)) graph["latitude"] = *latitude;
  if (auto longitude = Coordinate(location, "longitude", 180)) graph["longitude"] = *longitude;
  location.CopyString(graph, "name", false, kMaxFreeTextChars);
  location.CopyString(graph, "address", false, kMaxFreeTextChars);
  if (!errors.ok()) return std::nullopt;
  return graph;
}

void ParseLocation(const ObjectReader& root, MessageContent& out) {
  const Json* value = root.Get("location", true);
  if (!value) return;
  auto location = ParseLocationObject(*value, "location", root.errors());
  if (!location) return;
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  if (location->contains("name")) {
    out.summary = "📍 " + (*location)["name"].get<std::string>();
  } else if (location->contains("address")) {
    out.summary = "📍 " + (*location)["address"].get<std::string>();
  } else {
    out.summary = "📍 " + text((*location)["latitude"]) + ", " + text((*location)["longitude"]);
  }
  out.graph_fields = {{"type", "location"}, {"location", std::move(*location)}};
}

void ParseContacts(const ObjectReader& root, MessageContent& out) {
  const Json* list = root.Array("contacts", true, 1, kMaxContacts);
  if (!list) return;
  Json contacts = Json::array();
  for (size_t i = 0; i < list->size(); ++i) {
    auto contact = ParseContact((*list)[i], ElementPath("contacts", i), root.errors());
    if (!contact) return;
    contacts.push_back(std::move(*contact));
  }
  out.summary = "👤 " + contacts[0]["name"]["formatted_name"].get<std::string>();
  if (contacts.size() > 1) out.summary += " +" + std::to_string(contacts.size() - 1) + " more";
  out.graph_fields = {{"type", "contacts"}, {"contacts", std::move(contacts)}};
}

}  // namespace wagate::content::detail
