#include "wagate/sandbox/app/inbound_message_types.hpp"

#include <cstdint>
#include <set>

#include "wagate/core/json/object_reader.hpp"

namespace wagate::sandbox {
namespace {

using core::FieldErrors;
using core::ObjectReader;
using nlohmann::json;

// Lengths are not what these checks are about (the customer taps what the business sent, within Meta's
// send limits); the bounds only keep a typo from becoming a megabyte of webhook.
constexpr size_t kShort = 4096;
constexpr size_t kLong = 65536;

const std::set<std::string, std::less<>>& MetaTypes() {
  static const std::set<std::string, std::less<>> kTypes = {
      "text",     "image",  "video",       "audio",    "document", "sticker", "location",
      "contacts", "button", "interactive", "reaction", "order",    "system",  "unsupported"};
  return kTypes;
}

// Members of Meta's message object, or of the request itself: a type named like one would collide.
const std::set<std::string, std::less<>>& ReservedNames() {
  static const std::set<std::string, std::less<>> kNames = {"from",     "id",     "timestamp",       "type", "context",
                                                            "referral", "errors", "phone_number_id", "name"};
  return kNames;
}

std::string Trimmed(double value) {
  std::string s = std::to_string(value);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// A required JSON number in [min, max] (Meta's webhooks carry coordinates as numbers, not strings).
void ReadNumber(const ObjectReader& r, std::string_view name, double min, double max) {
  const json* v = r.Get(name, true);
  if (v && (!v->is_number() || v->get<double>() < min || v->get<double>() > max)) {
    r.Fail(name, "must be a number between " + Trimmed(min) + " and " + Trimmed(max));
  }
}

// Optional members that must be arrays when given.
void ReadArrays(const ObjectReader& r, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) r.Array(name, false, 0, SIZE_MAX);
}

void ReadLocation(const json& object, FieldErrors& errors) {
  ObjectReader r(object, "location", errors);
  ReadNumber(r, "latitude", -90, 90);
  ReadNumber(r, "longitude", -180, 180);
  r.String("name", false, kShort, 0);
  r.String("address", false, kShort, 0);
  r.String("url", false, kShort, 0);
}

void ReadContacts(const json& request, FieldErrors& errors) {
  ObjectReader root(request, "", errors);
  const json* contacts = root.Array("contacts", true, 1, SIZE_MAX);
  if (!contacts) return;
  for (size_t i = 0; i < contacts->size(); ++i) {
    ObjectReader contact((*contacts)[i], core::ElementPath("contacts", i), errors);
    contact.Child("name", true).String("formatted_name", true, kShort, 1);
    ReadArrays(contact, {"phones", "emails", "urls", "addresses"});
  }
}

void ReadButton(const json& object, FieldErrors& errors) {
  ObjectReader r(object, "button", errors);
  r.String("payload", true, kShort, 1);
  r.String("text", true, kShort, 1);
}

// type button_reply | list_reply | nfm_reply, and the one reply object it names.
void ReadInteractive(const json& object, FieldErrors& errors) {
  static const std::vector<std::string> kReplies = {"button_reply", "list_reply", "nfm_reply"};
  ObjectReader r(object, "interactive", errors);
  auto type = r.OneOf("type", true, kReplies);
  if (!type) return;
  for (const std::string& other : kReplies) {
    if (other != *type && r.Has(other)) r.Fail(other, "is not allowed with type " + *type);
  }
  ObjectReader reply = r.Child(*type, true);
  if (*type == "nfm_reply") {
    reply.String("response_json", true, kLong, 1);  // a JSON text, passed on without parsing it
    reply.String("body", false, kLong, 0);
    reply.String("name", false, kShort, 0);
    return;
  }
  reply.String("id", true, kShort, 1);
  reply.String("title", true, kShort, 1);
  if (*type == "list_reply") reply.String("description", false, kShort, 0);
}

// A removed reaction reaches the business without `emoji` (Meta leaves the key out).
json ReadReaction(const json& object, FieldErrors& errors) {
  ObjectReader r(object, "reaction", errors);
  r.String("message_id", true, kShort, 1);
  auto emoji = r.String("emoji", false, 64, 0);
  json delivered = object;
  if (!emoji || emoji->empty()) delivered.erase("emoji");
  return delivered;
}

void ReadOrder(const json& object, FieldErrors& errors) {
  ObjectReader r(object, "order", errors);
  r.String("catalog_id", true, kShort, 1);
  r.String("text", false, kLong, 0);
  const json* items = r.Array("product_items", true, 1, SIZE_MAX);
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    ObjectReader item((*items)[i], core::ElementPath("order.product_items", i), errors);
    item.String("product_retailer_id", true, kShort, 1);
    item.Int("quantity", false, 1, INT32_MAX);
    if (const json* price = item.Get("item_price", false); price && !price->is_number())
      item.Fail("item_price", "must be a number");
    item.String("currency", false, 3, 3);
  }
}

void ReadSystem(const json& object, FieldErrors& errors) {
  ObjectReader r(object, "system", errors);
  r.String("body", true, kLong, 1);
  r.String("type", true, kShort, 1);
  r.String("wa_id", false, kShort, 1);
}

// Meta's answer to a message type it does not support (cloud-api.md §4.4).
json UnsupportedErrors() {
  return json::array({{{"code", 131051},
                       {"title", "Message type unknown"},
                       {"message", "Message type unknown"},
                       {"error_data", {{"details", "Message type is currently not supported."}}}}});
}

// The type's own object, checked and as Meta delivers it, into `extras`.
void ReadTypeObject(const json& request, const std::string& type, json& extras, FieldErrors& errors) {
  auto it = request.find(type);
  const json* object = it == request.end() || it->is_null() ? nullptr : &*it;
  if (type == "unsupported") {
    if (object && !object->is_object()) errors.Fail(type, "must be an object");
    extras[type] = object ? *object : json{{"type", "unknown"}};
    extras["errors"] = UnsupportedErrors();
    return;
  }
  if (!MetaTypes().contains(type)) {  // a type this sandbox does not know: whatever the test gave, if any
    if (object && !object->is_object() && !object->is_array()) errors.Fail(type, "must be an object or an array");
    if (object) extras[type] = *object;
    return;
  }
  if (!object) return errors.Fail(type, "is required");
  if (type == "location") ReadLocation(*object, errors);
  if (type == "contacts") ReadContacts(request, errors);
  if (type == "button") ReadButton(*object, errors);
  if (type == "interactive") ReadInteractive(*object, errors);
  if (type == "order") ReadOrder(*object, errors);
  if (type == "system") ReadSystem(*object, errors);
  extras[type] = type == "reaction" ? ReadReaction(*object, errors) : *object;
}

// {id?, from?, forwarded?, frequently_forwarded?, referred_product?}; other members are passed on.
void ReadContext(const json& request, const std::string& business_display_number, json& extras, FieldErrors& errors) {
  ObjectReader root(request, "", errors);
  if (!root.Has("context")) return;
  ObjectReader context = root.Child("context", false);
  auto id = context.String("id", false, kShort, 1);
  auto from = context.String("from", false, 32, 1);
  context.Bool("forwarded");
  context.Bool("frequently_forwarded");
  if (context.Has("referred_product")) context.Child("referred_product", false);
  if (!errors.ok()) return;
  json delivered = request.at("context");
  if (id && !from) delivered["from"] = business_display_number;  // a reply quotes the business's message
  extras["context"] = std::move(delivered);
}

}  // namespace

bool IsInboundMediaType(std::string_view type) {
  return type == "image" || type == "video" || type == "audio" || type == "document" || type == "sticker";
}

std::optional<std::string> InboundTypeProblem(std::string_view type) {
  if (MetaTypes().contains(type)) return std::nullopt;
  bool word = !type.empty() && type.size() <= 32 && type.front() >= 'a' && type.front() <= 'z';
  for (char c : type) word = word && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!word) return "must be a message type: a lowercase word (a-z, 0-9, _; at most 32)";
  if (ReservedNames().contains(type)) return "cannot be '" + std::string(type) + "': it names a field of the message";
  return std::nullopt;
}

core::Result<json> ReadMessageExtras(const json& request, const std::string& type,
                                     const std::string& business_display_number) {
  FieldErrors errors;
  json extras = json::object();
  if (type != "text" && !IsInboundMediaType(type)) ReadTypeObject(request, type, extras, errors);
  ReadContext(request, business_display_number, extras, errors);
  ObjectReader root(request, "", errors);
  if (root.Has("referral")) {
    root.Child("referral", false);  // any object, passed on as given
    extras["referral"] = request.at("referral");
  }
  if (!errors.ok()) return errors.error();
  return extras;
}

void MarkMediaUndownloadable(const std::string& media_type, const std::string& details, json* extras) {
  (*extras)["unsupported"] = {{"type", media_type}};
  (*extras)["errors"] = json::array({{{"code", 131052},
                                      {"title", "Media download error"},
                                      {"message", "Media download error"},
                                      {"error_data", {{"details", details}}}}});
}

}  // namespace wagate::sandbox
