#include "wagate/store/journal_outcome.hpp"
#include "wagate/store/sqlite/conversation_repo.hpp"
#include "wagate/store/sqlite/idempotency_repo.hpp"
#include "wagate/store/sqlite/journal_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"
#include "wagate/store/sqlite/template_repo.hpp"

namespace wagate::store::sqlite {
namespace {

void ApplyStatuses(Connection& c, const JournalApplication& entry, int64_t now_ms, ApplyCounts& counts) {
  for (const auto& st : entry.statuses) {
    switch (message_repo::ApplyStatus(c, st, now_ms)) {
      case message_repo::ApplyResult::kApplied:
        ++counts.statuses;
        break;
      case message_repo::ApplyResult::kIgnored:
        ++counts.duplicates;
        break;
      case message_repo::ApplyResult::kOrphaned:
        ++counts.skipped["unknown_message"];
        break;
    }
  }
}

void ApplyMessages(Connection& c, const JournalApplication& entry, int64_t now_ms, ApplyCounts& counts) {
  for (const auto& w : entry.messages) {
    if (w.message.reaction_to) {
      switch (conversation_repo::StoreReaction(c, w, now_ms)) {
        case conversation_repo::ReactionResult::kChanged:
          ++counts.reactions;
          break;
        case conversation_repo::ReactionResult::kUnchanged:
          ++counts.duplicates;
          break;
        case conversation_repo::ReactionResult::kUnknownTarget:
          ++counts.skipped["unknown_message"];
          break;
      }
      continue;
    }
    if (conversation_repo::StoreInbound(c, w, now_ms) == conversation_repo::InboundResult::kStored) {
      ++counts.messages;
    } else {
      ++counts.duplicates;
    }
  }
}

ApplyCounts ApplyEntry(Connection& c, const JournalApplication& entry, int64_t now_ms) {
  ApplyCounts counts;
  counts.skipped = entry.skipped;
  counts.other_events = entry.other_events;
  ApplyStatuses(c, entry, now_ms, counts);
  ApplyMessages(c, entry, now_ms, counts);
  for (const auto& t : entry.template_statuses) {
    template_repo::UpdateStatus(c, t.waba_id, t.graph_id, t.name, t.language, t.status, t.reason, now_ms);
    ++counts.template_statuses;
  }
  for (const auto& s : entry.signals) {
    if (webhook_journal::StoreSignal(c, s, now_ms)) {
      ++counts.signals;
    } else {
      ++counts.duplicates;
    }
  }
  webhook_journal::MarkProcessed(c, entry.journal_id, DecideOutcome(counts), CountsJson(counts), entry.tenant_ids,
                                 now_ms);
  return counts;
}

}  // namespace

void SqliteWebhookJournal::Append(std::string body, std::string signature, std::vector<std::string> tenant_ids,
                                  int64_t now_ms, std::function<void(core::Result<int64_t>)> done) {
  auto shared_body = std::make_shared<std::string>(std::move(body));
  auto id = std::make_shared<int64_t>(0);
  db_.Write(
      [shared_body, id, signature = std::move(signature), tenant_ids = std::move(tenant_ids),
       now_ms](Connection& c) -> core::Status {
        *id = webhook_journal::Append(c, *shared_body, signature, tenant_ids, now_ms);
        return core::Ok{};
      },
      [id, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        done(*id);
      });
}

void SqliteWebhookJournal::RecordRejected(std::string reason, int64_t bytes, std::vector<std::string> tenant_ids,
                                          int64_t now_ms) {
  db_.Write(
      [reason = std::move(reason), bytes, tenant_ids = std::move(tenant_ids), now_ms](Connection& c) -> core::Status {
        webhook_journal::AppendRejected(c, reason, bytes, tenant_ids, now_ms);
        return core::Ok{};
      },
      nullptr);
}

std::vector<JournalEntry> SqliteWebhookJournal::Unprocessed(int64_t limit) {
  return db_.Read([&](Connection& c) { return webhook_journal::Unprocessed(c, 0, limit); });
}

core::Result<std::vector<ApplyCounts>> SqliteWebhookJournal::Apply(const std::vector<JournalApplication>& batch,
                                                                   int64_t now_ms) {
  std::vector<ApplyCounts> out;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    out.clear();  // the job is all or nothing: a failed attempt leaves no counts behind
    for (const auto& entry : batch) out.push_back(ApplyEntry(c, entry, now_ms));
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return out;
}

std::vector<WebhookEventRecord> SqliteWebhookJournal::ListEvents(const WebhookEventFilter& filter) {
  return db_.Read([&](Connection& c) { return webhook_journal::ListEvents(c, filter); });
}

int64_t SqliteWebhookJournal::Prune(int64_t before_ms, int64_t keys_before_ms, int64_t max_rows) {
  int64_t removed = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    removed = webhook_journal::Prune(c, before_ms, max_rows) + idempotency_repo::Prune(c, keys_before_ms, max_rows);
    return core::Ok{};
  });
  return s.ok() ? removed : 0;
}

std::vector<ContactRecord> SqliteContactStore::RecentContacts(int64_t since_ms) {
  return db_.Read([&](Connection& c) { return conversation_repo::RecentContacts(c, since_ms); });
}

}  // namespace wagate::store::sqlite
