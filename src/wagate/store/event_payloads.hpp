// What each outgoing event says: its type, its conversation (for ordered delivery) and its JSON body,
// built from the records a store has just changed. Backend-neutral: every backend writes the same
// events with its changes (store/event_store.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/store/campaign_store.hpp"
#include "wagate/store/conversation_store.hpp"
#include "wagate/store/event_store.hpp"
#include "wagate/store/records.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store {

// Every event type a subscription may name (besides "*" and "<family>.*" prefixes).
const std::vector<std::string>& EventTypes();
// Whether a subscription's filter takes `type` ("*" takes everything but ping, which is addressed).
bool EventMatches(const std::vector<std::string>& filter, std::string_view type);

// The conversation of an outlet with a customer (digits): what ordered delivery keeps in order.
std::string OrderingKey(const std::string& outlet_id, const std::string& customer);

// message.queued / sent / delivered / read / failed for the message's current status; nullopt for a
// status no event reports (sending, unknown).
std::optional<std::string> MessageEventType(const MessageRecord& m);
OutboxEvent MessageEvent(const MessageRecord& m, const std::string& type, int64_t now_ms);
// A customer's message (message.received) and reaction (message.reaction).
// `caller_conversation_id`: the caller's thread of the newest send to this customer that named one.
OutboxEvent ReceivedEvent(const InboundWrite& w, const std::string& conversation_id,
                          const std::optional<std::string>& caller_conversation_id, int64_t now_ms);
OutboxEvent ReactionEvent(const InboundWrite& w, int64_t now_ms);
OutboxEvent ConversationEvent(const ConversationRecord& c, int64_t now_ms);
OutboxEvent SubscriptionDisabledEvent(const SubscriptionRecord& s, int64_t now_ms);
// campaign.scheduled / started / paused / resumed / completed / cancelled / expired: the campaign as
// it stands after the transition (ordered per campaign).
OutboxEvent CampaignEvent(const CampaignRecord& c, const std::string& type, int64_t now_ms);

}  // namespace wagate::store
