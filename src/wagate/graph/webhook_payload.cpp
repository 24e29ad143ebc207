#include "wagate/graph/webhook_payload.hpp"

#include <nlohmann/json.hpp>

#include "wagate/core/json_parse.hpp"

namespace wagate::graph {
namespace {

using nlohmann::json;

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return {};
}

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

void ParseStatus(const json& st, const std::string& phone_number_id, WebhookPayload* out) {
  if (!st.is_object()) return;
  std::string name = StringField(st, "status");
  out->status_names.push_back(name);
  std::optional<core::MessageStatus> status;
  if (name == "sent")
    status = core::MessageStatus::kSent;
  else if (name == "delivered")
    status = core::MessageStatus::kDelivered;
  else if (name == "read" || name == "played")
    status = core::MessageStatus::kRead;
  else if (name == "failed")
    status = core::MessageStatus::kFailed;
  std::string wamid = StringField(st, "id");
  if (!status || wamid.empty()) return;
  core::StatusEvent e;
  e.phone_number_id = phone_number_id;
  e.wamid = wamid;
  e.status = *status;
  e.at_ms = UnixSecondsToMs(StringField(st, "timestamp"));
  std::string callback = StringField(st, "biz_opaque_callback_data");
  if (!callback.empty()) e.message_id = callback;
  auto errors = st.find("errors");
  if (errors != st.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
    const json& err = (*errors)[0];
    core::GraphError ge;
    if (err.contains("code") && err["code"].is_number_integer()) ge.code = err["code"].get<int64_t>();
    ge.title = StringField(err, "title");
    if (ge.title.empty()) ge.title = StringField(err, "message");
    if (err.contains("error_data") && err["error_data"].is_object())
      ge.details = StringField(err["error_data"], "details");
    e.error = ge;
  }
  out->statuses.push_back(std::move(e));
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

}  // namespace

std::optional<WebhookPayload> ParseWebhookPayload(std::string_view body) {
  json root = core::ParseUntrustedJson(body);
  if (!root.is_object() || StringField(root, "object") != "whatsapp_business_account") return std::nullopt;
  auto entries = root.find("entry");
  if (entries == root.end() || !entries->is_array()) return std::nullopt;
  WebhookPayload out;
  for (const json& entry : *entries) {
    if (!entry.is_object()) continue;
    std::string waba = StringField(entry, "id");
    if (!waba.empty()) out.waba_ids.insert(waba);
    auto changes = entry.find("changes");
    if (changes == entry.end() || !changes->is_array()) continue;
    for (const json& change : *changes) {
      if (!change.is_object()) continue;
      auto value = change.find("value");
      if (value == change.end() || !value->is_object()) continue;
      if (StringField(change, "field") == "message_template_status_update") {
        ParseTemplateStatus(*value, waba, &out);
        continue;
      }
      auto meta = value->find("metadata");
      std::string pnid;
      if (meta != value->end() && meta->is_object()) {
        pnid = StringField(*meta, "phone_number_id");
        if (!pnid.empty()) out.phone_number_ids.insert(pnid);
      }
      auto statuses = value->find("statuses");
      if (statuses != value->end() && statuses->is_array()) {
        for (const json& st : *statuses) ParseStatus(st, pnid, &out);
      }
      auto messages = value->find("messages");
      if (messages != value->end() && messages->is_array()) {
        out.inbound_messages += messages->size();
        for (const json& m : *messages) {
          if (!m.is_object()) continue;
          std::string from = StringField(m, "from");
          if (from.empty() || pnid.empty()) continue;
          out.inbound.push_back(WebhookPayload::Inbound{pnid, from, UnixSecondsToMs(StringField(m, "timestamp"))});
        }
      }
    }
  }
  return out;
}

}  // namespace wagate::graph
