// SQL of the webhook journal: SqliteWebhookJournal's internals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wagate/store/journal_outcome.hpp"
#include "wagate/store/sqlite/sqlite.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store::sqlite::webhook_journal {

// `signature`: the X-Hub-Signature-256 header it came with.
int64_t Append(Connection& c, const std::string& body, const std::string& signature,
               const std::vector<std::string>& tenant_ids, int64_t now_ms);
// A refused delivery: a row with no body, already processed, outcome "rejected".
void AppendRejected(Connection& c, const std::string& reason, int64_t bytes, const std::vector<std::string>& tenant_ids,
                    int64_t now_ms);
std::vector<JournalEntry> Unprocessed(Connection& c, int64_t after_id, int64_t limit);
void MarkProcessed(Connection& c, int64_t id, const JournalOutcome& outcome, const std::string& details,
                   const std::vector<std::string>& tenant_ids, int64_t now_ms);
std::vector<WebhookEventRecord> ListEvents(Connection& c, const WebhookEventFilter& f);
// Deletes up to `max_rows` of the oldest processed journal rows and as many unmatched orphan statuses
// received before `before_ms` (age_prune.hpp); answers how many rows it deleted.
int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows);

// An outlet's newest value of a signal field: replaced only by one that is not older. True if stored.
bool StoreSignal(Connection& c, const AccountSignal& s, int64_t now_ms);
std::vector<AccountSignal> ListSignals(Connection& c, const std::string& outlet_id);

}  // namespace wagate::store::sqlite::webhook_journal
