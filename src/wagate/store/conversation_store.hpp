// Conversations: one per (outlet, customer wa_id), with the history of messages in both directions.
// Written as side effects of other units of work — WebhookJournal::Apply (customers' messages and
// reactions) and MessageStore::Accept (the gateway's sends) — so a conversation never disagrees with
// what was applied; read and marked read here. Backend-neutral: implementations pass
// store/conformance/conversation_store_conformance.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/graph_error.hpp"
#include "wagate/core/inbound_message.hpp"
#include "wagate/core/message_status.hpp"
#include "wagate/core/result.hpp"

namespace wagate::store {

enum class Direction { kInbound, kOutbound };

// The newest message of a conversation by Meta's time (inbound) or acceptance time (outbound); ties
// go to the larger id, so the same set of messages always gives the same answer, whatever the order
// they arrived in.
struct LastMessage {
  std::string id;
  Direction direction = Direction::kInbound;
  std::string type;
  std::string preview;
  int64_t at_ms = 0;
};

struct ConversationRecord {
  std::string id;
  std::string tenant_id;
  std::string outlet_id;
  std::string wa_id;                        // digits
  std::optional<std::string> profile_name;  // from the customer's newest message that named one
  int64_t unread_count = 0;
  std::optional<int64_t> last_inbound_at;  // the 24 h service window runs from here
  std::optional<LastMessage> last_message;
  int64_t created_at = 0;
  int64_t updated_at = 0;  // when it last changed here (not Meta's time): what `updated_since` reads
};

// Keyset position of a conversation list: (updated_at, id), newest first.
struct ConversationCursor {
  int64_t updated_at = 0;
  std::string id;
};

struct ConversationFilter {
  std::optional<std::string> tenant_id;
  std::optional<std::string> outlet_id;
  bool unread_only = false;
  std::optional<int64_t> updated_since_ms;  // updated_at >= this
  std::optional<ConversationCursor> after;  // strictly older than this position
  int64_t limit = 50;
};

// A customer's reaction to a message (the newest per customer and message by Meta's time).
struct Reaction {
  std::string emoji;
  std::string from;  // wa_id
  int64_t at_ms = 0;
};

// One entry of a conversation's history, either direction.
struct HistoryItem {
  Direction direction = Direction::kInbound;
  std::string id;  // inbound: "in_…"; outbound: the message id of the send API
  std::optional<std::string> wamid;
  std::string type;
  int64_t at_ms = 0;  // the ordering time: Meta's (inbound) or acceptance (outbound)
  std::vector<Reaction> reactions;
  // inbound
  std::optional<core::InboundMessage> inbound;
  // outbound
  std::string graph_request;  // the JSON sent to Graph: its [type] member is the content
  std::optional<std::string> body_text;
  core::MessageStatus status = core::MessageStatus::kQueued;
  std::optional<std::string> caller_conversation_id;  // the send's `conversation_id`
  std::optional<core::GraphError> error;
  std::optional<int64_t> sent_at, delivered_at, read_at, failed_at;
};

// Keyset position in a history: (at_ms, direction, id), oldest first.
struct HistoryCursor {
  int64_t at_ms = 0;
  Direction direction = Direction::kInbound;
  std::string id;
};

struct HistoryFilter {
  std::string conversation_id;
  std::optional<Direction> direction;
  std::optional<HistoryCursor> after;  // strictly newer than this position
  int64_t limit = 50;
};

// Thread-safe. Reads see committed data.
class ConversationStore {
 public:
  virtual ~ConversationStore() = default;
  [[nodiscard]] virtual std::vector<ConversationRecord> List(const ConversationFilter& filter) = 0;
  [[nodiscard]] virtual std::optional<ConversationRecord> Get(const std::string& id) = 0;
  [[nodiscard]] virtual std::vector<HistoryItem> History(const HistoryFilter& filter) = 0;
  // The newest inbound message (for a read receipt); nullopt when the customer never wrote.
  [[nodiscard]] virtual std::optional<HistoryItem> NewestInbound(const std::string& conversation_id) = 0;
  // Unread count to 0; answers the conversation as it stands (kNotFound for an unknown id).
  virtual void MarkRead(const std::string& id, int64_t now_ms,
                        std::function<void(core::Result<ConversationRecord>)> done) = 0;
};

}  // namespace wagate::store
