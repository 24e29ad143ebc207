#include "wagate/broker/command_decoder.hpp"

#include "wagate/broker/event_mapping.hpp"
#include "wagate/core/json/object_reader.hpp"

namespace wagate::broker {
namespace {

using Json = nlohmann::json;

core::Error Unauthorized(std::string message) {
  return core::Error{core::ErrorKind::kUnauthorized, "unauthorized", std::move(message)};
}

// The command's own key, else the AMQP message id: a redelivered command is then accepted once.
core::Result<std::optional<std::string>> IdempotencyKey(const Json& body,
                                                        const std::optional<std::string>& message_id) {
  std::optional<std::string> key = message_id;
  const char* what = "the AMQP message_id";
  if (auto it = body.find("idempotency_key"); it != body.end()) {
    if (!it->is_string()) return core::Error::InvalidField("idempotency_key", "must be a string");
    key = it->get<std::string>();
    what = "idempotency_key";
  }
  if (key && !messaging::ValidIdempotencyKey(*key)) {
    return core::Error::Invalid("invalid_idempotency_key",
                                std::string(what) + " must be 1-255 visible ASCII characters");
  }
  return key;
}

core::Result<DecodedCommand> DecodeEvent(const DecoderSettings& settings, const DecoderLookups& lookups,
                                         std::string_view body, const Json& event,
                                         const std::optional<std::string>& message_id) {
  if (!event["event"].is_string()) return core::Error::InvalidField("event", "must be a string");
  const std::string& name = event["event"].get_ref<const std::string&>();
  const config::BrokerMapping* mapping = nullptr;
  for (const auto& m : settings.mappings) {
    if (m.event == name) mapping = &m;
  }
  if (!mapping) {
    return core::Error{core::ErrorKind::kUnprocessable, "unmapped_event",
                       "no [[broker.mappings]] entry for event '" + name.substr(0, 200) + "'"};
  }
  auto tenant = lookups.outlet_tenant(mapping->outlet_id);
  if (!tenant) {
    return core::Error{core::ErrorKind::kUnprocessable, "mapping_failed",
                       "mapping of event '" + name + "': outlet '" + mapping->outlet_id + "' does not exist"};
  }
  auto mapped = MapEvent(*mapping, event);
  if (!mapped) return mapped.error();
  DecodedCommand out;
  out.who = tenancy::Principal{false, *tenant};
  out.mapped_event = name;
  std::optional<std::string> key = mapped->idempotency_key ? mapped->idempotency_key : message_id;
  if (key && !messaging::ValidIdempotencyKey(*key)) {
    return core::Error::Invalid("invalid_idempotency_key",
                                "the idempotency key must be 1-255 visible ASCII characters");
  }
  auto send = messaging::ParseSendRequest(out.who, mapped->body, {key, body});
  if (!send) {
    core::Error e = send.error();
    e.message = "mapping of event '" + name + "' built an invalid send: " + e.message;
    return e;
  }
  out.send = std::move(*send);
  return out;
}

}  // namespace

core::Result<DecodedCommand> DecodeCommand(const DecoderSettings& settings, const DecoderLookups& lookups,
                                           std::string_view body, const std::optional<std::string>& message_id) {
  if (body.size() > settings.max_body_bytes) {
    return core::Error{core::ErrorKind::kTooLarge, "payload_too_large",
                       "the command is " + std::to_string(body.size()) + " bytes; at most " +
                           std::to_string(settings.max_body_bytes) + " are accepted"};
  }
  auto parsed = core::ParseJsonObject(body);
  if (!parsed) return parsed.error();
  const Json& json = *parsed;
  if (json.contains("event")) return DecodeEvent(settings, lookups, body, json, message_id);

  DecodedCommand out;
  if (auto it = json.find("tenant_key"); it != json.end()) {
    if (!it->is_string()) return core::Error::InvalidField("tenant_key", "must be a string");
    auto who = lookups.authenticate(it->get<std::string>());
    if (!who) return Unauthorized("tenant_key is not a valid API key");
    out.who = *who;
  } else if (!settings.bound_tenant_id.empty()) {
    out.who = tenancy::Principal{false, settings.bound_tenant_id};
  } else {
    return Unauthorized("the command has no tenant_key and the queue has no tenant (broker.tenant_id)");
  }
  auto key = IdempotencyKey(json, message_id);
  if (!key) return key.error();
  auto send = messaging::ParseSendRequest(out.who, json, {*key, body}, {"tenant_key", "idempotency_key"});
  if (!send) return send.error();
  out.send = std::move(*send);
  return out;
}

}  // namespace wagate::broker
