// A message from the broker's command queue read into a send: either a send command (the JSON of
// POST /api/v1/messages/send plus `tenant_key` and an optional `idempotency_key`) or a business event
// (`{"event": …}`) turned into a template send by its mapping. Who sends it: the command's
// `tenant_key`, else the mapping's outlet's tenant, else the queue's bound tenant. Pure apart from the
// lookups it is given, so every refusal is unit-tested without a broker.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/config/settings.hpp"
#include "wagate/core/result.hpp"
#include "wagate/messaging/send_request.hpp"
#include "wagate/tenancy/key_registry.hpp"

namespace wagate::broker {

struct DecoderSettings {
  std::string bound_tenant_id;  // broker.tenant_id
  std::vector<config::BrokerMapping> mappings;
  size_t max_body_bytes = 1 << 20;
};

struct DecoderLookups {
  // A tenant key (or the admin key) → who it is; nullopt when no key matches.
  std::function<std::optional<tenancy::Principal>(const std::string& key)> authenticate;
  // An outlet → its tenant; nullopt when there is no such outlet.
  std::function<std::optional<std::string>(const std::string& outlet_id)> outlet_tenant;
};

struct DecodedCommand {
  tenancy::Principal who;
  messaging::ParsedSend send;
  std::string mapped_event;  // the business event's name, "" for a send command
};

// Each refusal is an error whose code and message go into the dead letter's x-wagate-error header.
core::Result<DecodedCommand> DecodeCommand(const DecoderSettings& settings, const DecoderLookups& lookups,
                                           std::string_view body, const std::optional<std::string>& message_id);

}  // namespace wagate::broker
