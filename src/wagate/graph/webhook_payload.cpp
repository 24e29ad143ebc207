#include "wagate/graph/webhook_payload.hpp"

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "wagate/core/json_parse.hpp"

namespace wagate::graph {
namespace {

using nlohmann::json;
using Tier = std::optional<std::optional<int64_t>>;

constexpr size_t kPreviewMaxBytes = 200;

// --- Reading untrusted JSON: a wrong type reads as absent, never throws. ---

// The member `key` of `obj`, or nullptr when `obj` is not an object or has no such member.
const json* Field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json* ObjectField(const json& obj, const char* key) {
  const json* v = Field(obj, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}

const json& EmptyObject() {
  static const json kEmpty = json::object();
  return kEmpty;
}

// `*v` when it is an object, else {}: for reading fields of fields.
const json& ObjectOrEmpty(const json* v) { return v != nullptr && v->is_object() ? *v : EmptyObject(); }

std::string StringField(const json& obj, const char* key) {
  const json* v = Field(obj, key);
  if (v == nullptr) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return v->dump();  // exact for signed and unsigned alike
  return {};
}

bool TrueField(const json& obj, const char* key) {
  const json* v = Field(obj, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// Parsed strings are valid UTF-8, but serialising must never throw whatever a value holds.
std::string Dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// Meta's "timestamp" (Unix seconds, as a string) in ms; 0 when it is not a plausible time (not
// digits, or beyond the year 5000): an attacker's 10^30 must not overflow the multiplication.
int64_t UnixSecondsToMs(std::string_view seconds) {
  constexpr int64_t kLatest = 100'000'000'000;  // about the year 5138
  if (seconds.empty() || seconds.size() > 11) return 0;
  int64_t s = 0;
  for (char c : seconds) {
    if (c < '0' || c > '9') return 0;
    s = s * 10 + (c - '0');
  }
  return s <= kLatest ? s * 1000 : 0;
}

// --- Messaging tiers ---

// The tiers Meta names (cloud-api.md §3.3, §7); TIER_NOT_SET and unknown names announce none.
constexpr std::array<std::pair<std::string_view, int64_t>, 6> kNamedTiers{{
    {"TIER_50", 50},
    {"TIER_250", 250},
    {"TIER_1K", 1000},
    {"TIER_2K", 2000},
    {"TIER_10K", 10000},
    {"TIER_100K", 100000},
}};

Tier Unlimited() { return Tier{std::in_place, std::nullopt}; }
Tier Limit(int64_t n) { return Tier{std::in_place, n}; }

// Meta's numbers: -1 is unlimited, a positive number the limit itself; anything else announces none.
Tier FromNumber(int64_t n) {
  if (n == -1) return Unlimited();
  return n > 0 ? Limit(n) : std::nullopt;
}

// A decimal ("2000", "-1"), read like a JSON number; unset for anything else.
Tier DecimalTier(std::string_view s) {
  if (s == "-1") return Unlimited();
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return FromNumber(n);
}

// business_capability_update sends numbers (2000, -1 for unlimited); quality updates send "TIER_2K".
Tier TierOf(const json& v) {
  constexpr double kLargest = 1e18;  // far beyond any tier; keeps every conversion below defined
  if (v.is_string()) return ParseMessagingTier(v.get_ref<const std::string&>());
  if (v.is_number_unsigned()) {
    auto n = v.get<uint64_t>();
    return n < static_cast<uint64_t>(kLargest) ? FromNumber(static_cast<int64_t>(n)) : std::nullopt;
  }
  if (v.is_number_integer()) return FromNumber(v.get<int64_t>());
  if (v.is_number_float()) {
    auto d = v.get<double>();
    if (!(d >= -1 && d < kLargest) || d != std::trunc(d)) return std::nullopt;
    return FromNumber(static_cast<int64_t>(d));
  }
  return std::nullopt;
}

// The limit a quality or capability change announces: the new key, else the one being retired.
Tier AnnouncedTier(const json& value) {
  const json* limit = Field(value, "max_daily_conversations_per_business");
  if (limit == nullptr || limit->is_null()) limit = Field(value, "current_limit");
  return limit != nullptr ? TierOf(*limit) : std::nullopt;
}

// --- Statuses ---

std::optional<core::MessageStatus> StatusOf(const std::string& name) {
  if (name == "sent") return core::MessageStatus::kSent;
  if (name == "delivered") return core::MessageStatus::kDelivered;
  if (name == "read" || name == "played") return core::MessageStatus::kRead;
  if (name == "failed") return core::MessageStatus::kFailed;
  return std::nullopt;
}

std::optional<core::GraphError> FirstError(const json& st) {
  const json* errors = Field(st, "errors");
  if (errors == nullptr || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) return std::nullopt;
  const json& err = (*errors)[0];
  core::GraphError ge;
  if (const json* code = Field(err, "code"); code != nullptr && code->is_number_integer()) {
    ge.code = code->get<int64_t>();
  }
  ge.title = StringField(err, "title");
  if (ge.title.empty()) ge.title = StringField(err, "message");
  ge.details = StringField(ObjectOrEmpty(ObjectField(err, "error_data")), "details");
  return ge;
}

std::optional<core::StatusEvent::Pricing> PricingOf(const json& st) {
  const json* pricing = ObjectField(st, "pricing");
  if (pricing == nullptr) return std::nullopt;
  core::StatusEvent::Pricing p;
  p.category = StringField(*pricing, "category");
  p.type = StringField(*pricing, "type");
  p.model = StringField(*pricing, "pricing_model");
  if (const json* billable = Field(*pricing, "billable"); billable != nullptr && billable->is_boolean()) {
    p.billable = billable->get<bool>();
  }
  return p;
}

void ParseStatus(const json& st, const std::string& phone_number_id, WebhookPayload* out) {
  if (!st.is_object()) return;
  std::string name = StringField(st, "status");
  out->status_names.push_back(name);
  std::optional<core::MessageStatus> status = StatusOf(name);
  std::string wamid = StringField(st, "id");
  if (!status || wamid.empty()) return;
  core::StatusEvent e;
  e.phone_number_id = phone_number_id;
  e.wamid = std::move(wamid);
  e.status = *status;
  e.at_ms = UnixSecondsToMs(StringField(st, "timestamp"));
  std::string callback = StringField(st, "biz_opaque_callback_data");
  if (!callback.empty()) e.message_id = std::move(callback);
  e.error = FirstError(st);
  e.recipient_id = Digits(StringField(st, "recipient_id"));
  e.pricing = PricingOf(st);
  out->statuses.push_back(std::move(e));
}

// --- Customers' messages ---

// What the messages of one change share.
struct ChangeScope {
  const std::string& phone_number_id;
  const std::string& waba_id;
  const json* contacts;  // value.contacts, or nullptr
};

std::string ProfileName(const json& contact) {
  return StringField(ObjectOrEmpty(ObjectField(contact, "profile")), "name");
}

std::string ProfileNameOf(const json* contacts, const std::string& from) {
  if (contacts == nullptr || !contacts->is_array()) return {};
  for (const json& c : *contacts) {
    if (Digits(StringField(c, "wa_id")) == from) return ProfileName(c);
  }
  return contacts->size() == 1 ? ProfileName((*contacts)[0]) : std::string();
}

std::string Bracketed(std::string_view label, std::string_view detail = {}) {
  std::string out = "[" + std::string(label);
  if (!detail.empty()) out += ": " + std::string(detail);
  return out + "]";
}

// Cut to at most `max` bytes, never inside a multi-byte UTF-8 character.
std::string CapUtf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80; ++back) --cut;
  s.resize(cut);
  return s;
}

std::string MediaPreview(const std::string& type, const json& media) {
  std::string caption = StringField(media, "caption");
  if (!caption.empty()) return caption;
  if (type == "document") return Bracketed("document", StringField(media, "filename"));
  if (type == "audio") return TrueField(media, "voice") ? "[voice message]" : "[audio]";
  return Bracketed(type);
}

std::string LocationPreview(const json& location) {
  std::string name = StringField(location, "name");
  if (!name.empty()) return name;
  std::string address = StringField(location, "address");
  return address.empty() ? "[location]" : address;
}

std::string ContactsPreview(const json& contacts) {
  const json& first = contacts.is_array() && !contacts.empty() ? contacts[0] : EmptyObject();
  return Bracketed("contact", StringField(ObjectOrEmpty(ObjectField(first, "name")), "formatted_name"));
}

// button_reply / list_reply carry the tapped title; nfm_reply (a Flow's answer) has none to show.
std::string InteractivePreview(const json& interactive) {
  std::string kind = StringField(interactive, "type");
  if (kind == "nfm_reply") return "[form reply]";
  return StringField(ObjectOrEmpty(ObjectField(interactive, kind.c_str())), "title");
}

std::string OrderPreview(const json& order) {
  const json* items = Field(order, "product_items");
  size_t n = items != nullptr && items->is_array() ? items->size() : 0;
  return "[order: " + std::to_string(n) + (n == 1 ? " item]" : " items]");
}

std::string UnsupportedPreview(const std::string& type, const json& body) {
  std::string inner = type == "unsupported" ? StringField(body, "type") : std::string();
  return Bracketed("unsupported", inner.empty() ? type : inner);
}

// A short human-readable text for `type`; "" when the message leaves the type's text empty.
std::string PreviewOf(const std::string& type, const json& body) {
  if (type == "text" || type == "system") return StringField(body, "body");
  if (type == "image" || type == "video" || type == "audio" || type == "document" || type == "sticker") {
    return MediaPreview(type, body);
  }
  if (type == "location") return LocationPreview(body);
  if (type == "contacts") return ContactsPreview(body);
  if (type == "button") return StringField(body, "text");
  if (type == "interactive") return InteractivePreview(body);
  if (type == "reaction") {
    std::string emoji = StringField(body, "emoji");
    return emoji.empty() ? "[reaction removed]" : emoji;
  }
  if (type == "order") return OrderPreview(body);
  return UnsupportedPreview(type, body);
}

bool IsMedia(const std::string& type) {
  return type == "image" || type == "video" || type == "audio" || type == "document" || type == "sticker";
}

// content, preview, media id and reaction: everything read from messages[][type].
void ReadTypeBody(const json& m, InboundMessageEvent* e) {
  const json* body = Field(m, e->type.c_str());
  if (body != nullptr) e->content = Dump(*body);
  const json& fields = body != nullptr ? *body : EmptyObject();
  std::string preview = PreviewOf(e->type, fields);
  e->preview = CapUtf8(preview.empty() ? Bracketed(e->type) : std::move(preview), kPreviewMaxBytes);
  if (IsMedia(e->type)) {
    std::string id = StringField(fields, "id");
    if (!id.empty()) e->media_id = std::move(id);
  }
  if (e->type == "reaction") {
    std::string to = StringField(fields, "message_id");
    if (!to.empty()) e->reaction_to = std::move(to);
    e->reaction_emoji = StringField(fields, "emoji");
  }
}

void ReadContext(const json& m, InboundMessageEvent* e) {
  const json* context = ObjectField(m, "context");
  if (context == nullptr) return;
  std::string id = StringField(*context, "id");
  if (!id.empty()) e->context_id = std::move(id);
  std::string from = StringField(*context, "from");
  if (!from.empty()) e->context_from = std::move(from);
  e->forwarded = TrueField(*context, "forwarded");
  e->frequently_forwarded = TrueField(*context, "frequently_forwarded");
}

std::optional<InboundMessageEvent> ParseMessage(const json& m, const ChangeScope& scope) {
  if (!m.is_object()) return std::nullopt;
  InboundMessageEvent e;
  e.wamid = StringField(m, "id");
  e.from = Digits(StringField(m, "from"));
  if (e.wamid.empty() || e.from.empty()) return std::nullopt;
  e.phone_number_id = scope.phone_number_id;
  e.waba_id = scope.waba_id;
  e.profile_name = ProfileNameOf(scope.contacts, e.from);
  e.at_ms = UnixSecondsToMs(StringField(m, "timestamp"));
  e.type = StringField(m, "type");
  if (e.type.empty()) e.type = "unknown";
  ReadTypeBody(m, &e);
  ReadContext(m, &e);
  if (const json* referral = ObjectField(m, "referral")) e.referral = Dump(*referral);
  if (const json* errors = Field(m, "errors"); errors != nullptr && errors->is_array()) e.errors = Dump(*errors);
  return e;
}

// --- Changes ---

void ParseMessagesChange(const json& value, const std::string& pnid, const std::string& waba, WebhookPayload* out) {
  if (const json* statuses = Field(value, "statuses"); statuses != nullptr && statuses->is_array()) {
    for (const json& st : *statuses) ParseStatus(st, pnid, out);
  }
  const json* messages = Field(value, "messages");
  if (messages == nullptr || !messages->is_array() || pnid.empty()) return;
  ChangeScope scope{pnid, waba, Field(value, "contacts")};
  for (const json& m : *messages) {
    if (auto e = ParseMessage(m, scope)) out->messages.push_back(std::move(*e));
  }
}

void ParseTemplateStatus(const json& value, const std::string& waba_id, WebhookPayload* out) {
  TemplateStatusEvent e;
  e.waba_id = waba_id;
  e.graph_id = StringField(value, "message_template_id");
  e.name = StringField(value, "message_template_name");
  e.language = StringField(value, "message_template_language");
  std::string event = StringField(value, "event");
  // FLAGGED warns of falling quality (the template stays sendable); REINSTATED undoes a pause.
  if (event.empty() || event == "FLAGGED" || waba_id.empty() || (e.graph_id.empty() && e.name.empty())) return;
  e.status = event == "REINSTATED" ? "APPROVED" : event;
  std::string reason = StringField(value, "reason");
  if (!reason.empty() && reason != "NONE") e.reason = reason;
  out->template_statuses.push_back(std::move(e));
}

bool IsSignalField(const std::string& field) {
  return field == "phone_number_quality_update" || field == "account_update" ||
         field == "message_template_quality_update" || field == "business_capability_update";
}

void ParseSignal(const std::string& field, const json& entry, const json& value, const std::string& waba,
                 WebhookPayload* out) {
  AccountSignalEvent e;
  e.field = field;
  e.waba_id = waba;
  e.display_phone_number = Digits(StringField(value, "display_phone_number"));
  e.at_ms = UnixSecondsToMs(StringField(entry, "time"));
  e.value = Dump(value);
  if (field == "phone_number_quality_update" || field == "business_capability_update") {
    e.messaging_tier = AnnouncedTier(value);
  }
  out->signals.push_back(std::move(e));
}

void ParseChange(const json& change, const json& entry, const std::string& waba, WebhookPayload* out) {
  if (!change.is_object()) return;
  std::string field = StringField(change, "field");
  const json* value = ObjectField(change, "value");
  std::string pnid =
      value != nullptr ? StringField(ObjectOrEmpty(ObjectField(*value, "metadata")), "phone_number_id") : std::string();
  if (!pnid.empty()) out->phone_number_ids.insert(pnid);
  if (field == "messages") {
    if (value != nullptr) ParseMessagesChange(*value, pnid, waba, out);
  } else if (field == "message_template_status_update") {
    if (value != nullptr) ParseTemplateStatus(*value, waba, out);
  } else if (IsSignalField(field)) {
    if (value != nullptr) ParseSignal(field, entry, *value, waba, out);
  } else {
    out->unhandled_fields.push_back(std::move(field));
  }
}

}  // namespace

std::optional<WebhookPayload> ParseWebhookPayload(std::string_view body) {
  json root = core::ParseUntrustedJson(body);
  if (!root.is_object() || StringField(root, "object") != "whatsapp_business_account") return std::nullopt;
  const json* entries = Field(root, "entry");
  if (entries == nullptr || !entries->is_array()) return std::nullopt;
  WebhookPayload out;
  for (const json& entry : *entries) {
    if (!entry.is_object()) continue;
    std::string waba = StringField(entry, "id");
    if (!waba.empty()) out.waba_ids.insert(waba);
    const json* changes = Field(entry, "changes");
    if (changes == nullptr || !changes->is_array()) continue;
    for (const json& change : *changes) ParseChange(change, entry, waba, &out);
  }
  return out;
}

Tier ParseMessagingTier(std::string_view limit) {
  if (limit == "TIER_UNLIMITED") return Unlimited();
  for (const auto& [name, n] : kNamedTiers) {
    if (limit == name) return Limit(n);
  }
  return DecimalTier(limit);
}

}  // namespace wagate::graph
