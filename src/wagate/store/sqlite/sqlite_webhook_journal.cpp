#include "wagate/store/sqlite/contact_repo.hpp"
#include "wagate/store/sqlite/idempotency_repo.hpp"
#include "wagate/store/sqlite/journal_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"
#include "wagate/store/sqlite/template_repo.hpp"

namespace wagate::store::sqlite {

void SqliteWebhookJournal::Append(std::string body, std::string signature, int64_t now_ms,
                                  std::function<void(const core::Status&)> done) {
  auto shared_body = std::make_shared<std::string>(std::move(body));
  db_.Write(
      [shared_body, signature = std::move(signature), now_ms](Connection& c) -> core::Status {
        webhook_journal::Append(c, *shared_body, signature, now_ms);
        return core::Ok{};
      },
      std::move(done));
}

std::vector<JournalEntry> SqliteWebhookJournal::Unprocessed(int64_t limit) {
  return db_.Read([&](Connection& c) { return webhook_journal::Unprocessed(c, 0, limit); });
}

core::Result<size_t> SqliteWebhookJournal::Apply(const std::vector<JournalApplication>& batch, int64_t now_ms) {
  size_t applied = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    for (const auto& entry : batch) {
      for (const auto& st : entry.statuses) {
        if (message_repo::ApplyStatus(c, st, now_ms) == message_repo::ApplyResult::kApplied) ++applied;
      }
      for (const auto& in : entry.inbound) contact_repo::RecordInbound(c, in.outlet_id, in.wa_id, in.at_ms);
      for (const auto& t : entry.template_statuses) {
        template_repo::UpdateStatus(c, t.waba_id, t.graph_id, t.name, t.language, t.status, t.reason, now_ms);
      }
      webhook_journal::MarkProcessed(c, entry.journal_id);
    }
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return applied;
}

void SqliteWebhookJournal::Prune(int64_t before_ms, int64_t keys_before_ms) {
  db_.Write(
      [before_ms, keys_before_ms](Connection& c) -> core::Status {
        webhook_journal::Prune(c, before_ms);
        idempotency_repo::Prune(c, keys_before_ms);
        return core::Ok{};
      },
      nullptr);
}

std::vector<ContactRecord> SqliteContactStore::RecentContacts(int64_t since_ms) {
  return db_.Read([&](Connection& c) { return contact_repo::RecentContacts(c, since_ms); });
}

}  // namespace wagate::store::sqlite
