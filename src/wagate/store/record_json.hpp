// The JSON views of the store's records, one each: what the API answers and what outgoing events carry
// are the same shapes, so an application parses a message or a conversation one way.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "wagate/core/inbound_message.hpp"
#include "wagate/store/campaign_store.hpp"
#include "wagate/store/conversation_store.hpp"
#include "wagate/store/records.hpp"

namespace wagate::store {

using Json = nlohmann::json;

Json OptTime(const std::optional<int64_t>& ms);  // ISO 8601, or null
const char* DirectionName(Direction d);
// Stored JSON text (written by the gateway from Meta's payload) back to JSON; null if absent.
Json Embedded(const std::optional<std::string>& text);

// A message's delivery state (GET /api/v1/messages/{id}/status).
Json StatusJson(const MessageRecord& m);
// The whole message (GET /api/v1/messages/{id}).
Json MessageJson(const MessageRecord& m);
// A customer's message, without its id, direction and time (the history item and the event add them).
Json InboundJson(const core::InboundMessage& m);
// A conversation, without its service window (which depends on the time it is shown at).
Json ConversationJson(const ConversationRecord& c);
// A campaign with its counters, without the estimates (rate, completion time), which depend on the
// lane it runs on and the time it is shown at: the API adds them.
Json CampaignJson(const CampaignRecord& c);

}  // namespace wagate::store
