// SQL of the webhook journal: SqliteWebhookJournal's internals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wagate/store/sqlite/sqlite.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store::sqlite::webhook_journal {

// `signature`: the X-Hub-Signature-256 header it came with.
int64_t Append(Connection& c, const std::string& body, const std::string& signature, int64_t now_ms);
std::vector<JournalEntry> Unprocessed(Connection& c, int64_t after_id, int64_t limit);
void MarkProcessed(Connection& c, int64_t id);
// Deletes processed journal rows and unmatched orphan statuses received before `before_ms`.
int64_t Prune(Connection& c, int64_t before_ms);

}  // namespace wagate::store::sqlite::webhook_journal
