// SQL of conversations, customers' messages and reactions: internals of SqliteConversationStore, and of
// the two units of work that write them (WebhookJournal::Apply, MessageStore::Accept).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/store/contact_store.hpp"
#include "wagate/store/conversation_store.hpp"
#include "wagate/store/sqlite/sqlite.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store::sqlite::conversation_repo {

// What one message does to its conversation (created on first contact). Returns the conversation's id.
struct MessageNote {
  std::string tenant_id;
  std::string outlet_id;
  std::string wa_id;  // digits
  LastMessage message;
  bool unread = false;                      // a customer's message: unread + 1
  std::optional<std::string> profile_name;  // a customer's message that named them
};
std::string NoteMessage(Connection& c, const MessageNote& note, int64_t now_ms);

enum class InboundResult { kStored, kDuplicate };
// A customer's message (not a reaction), once per (outlet, wamid), in its conversation.
InboundResult StoreInbound(Connection& c, const InboundWrite& w, int64_t now_ms);

enum class ReactionResult { kChanged, kUnchanged, kUnknownTarget };
// The newest reaction per (outlet, message, customer) wins; stored even when the message reacted to
// is not known (yet): kUnknownTarget then.
ReactionResult StoreReaction(Connection& c, const InboundWrite& w, int64_t now_ms);

std::vector<ConversationRecord> List(Connection& c, const ConversationFilter& f);
std::optional<ConversationRecord> Get(Connection& c, const std::string& id);
std::vector<HistoryItem> History(Connection& c, const HistoryFilter& f);
std::optional<HistoryItem> NewestInbound(Connection& c, const std::string& conversation_id);
// Unread back to 0 (conversation.updated when something was unread). False if there is no such conversation.
bool MarkRead(Connection& c, const std::string& id, int64_t now_ms);
// The conversation.updated event for the conversation as it now stands (store/event_store.hpp).
void EmitUpdated(Connection& c, const std::string& tenant_id, const std::string& id, int64_t now_ms);

// Customers whose last message is after `since_ms` (service windows to restore at start).
std::vector<ContactRecord> RecentContacts(Connection& c, int64_t since_ms);

}  // namespace wagate::store::sqlite::conversation_repo
