#include "wagate/store/sqlite/conversation_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {

std::vector<ConversationRecord> SqliteConversationStore::List(const ConversationFilter& filter) {
  return db_.Read([&](Connection& c) { return conversation_repo::List(c, filter); });
}

std::optional<ConversationRecord> SqliteConversationStore::Get(const std::string& id) {
  return db_.Read([&](Connection& c) { return conversation_repo::Get(c, id); });
}

std::vector<HistoryItem> SqliteConversationStore::History(const HistoryFilter& filter) {
  return db_.Read([&](Connection& c) { return conversation_repo::History(c, filter); });
}

std::optional<HistoryItem> SqliteConversationStore::NewestInbound(const std::string& conversation_id) {
  return db_.Read([&](Connection& c) { return conversation_repo::NewestInbound(c, conversation_id); });
}

void SqliteConversationStore::MarkRead(const std::string& id, int64_t now_ms,
                                       std::function<void(core::Result<ConversationRecord>)> done) {
  auto result = std::make_shared<std::optional<ConversationRecord>>();
  db_.Write(
      [id, now_ms, result](Connection& c) -> core::Status {
        if (!conversation_repo::MarkRead(c, id, now_ms)) return core::Error::NotFound("conversation");
        *result = conversation_repo::Get(c, id);
        return core::Ok{};
      },
      [result, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        done(std::move(**result));
      });
}

}  // namespace wagate::store::sqlite
