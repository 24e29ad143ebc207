// A business event (`{"event": "po.approved", "supplier": {...}, ...}`) turned into a template send by
// a configured mapping ([[broker.mappings]], docs/broker.md), so an application can publish its own
// events without reshaping them. Pure: no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/config/settings.hpp"
#include "wagate/core/result.hpp"

namespace wagate::broker {

// The member at a dotted path ("supplier.phone", "items.0.sku"), or null when absent.
const nlohmann::json* FindPath(const nlohmann::json& root, std::string_view path);

struct MappedSend {
  nlohmann::json body;                         // a send request, as POST /api/v1/messages/send takes it
  std::optional<std::string> idempotency_key;  // "<event>:<value>" when the mapping names one
};

// kUnprocessable `mapping_failed` naming the mapping and the path when the event lacks a value.
core::Result<MappedSend> MapEvent(const config::BrokerMapping& mapping, const nlohmann::json& event);

}  // namespace wagate::broker
