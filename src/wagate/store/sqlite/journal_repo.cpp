#include "wagate/store/sqlite/journal_repo.hpp"

#include "wagate/store/sqlite/age_prune.hpp"

namespace wagate::store::sqlite::webhook_journal {
namespace {

void LinkTenants(Connection& c, int64_t id, const std::vector<std::string>& tenant_ids) {
  for (const auto& t : tenant_ids) {
    c.Prepare("INSERT OR IGNORE INTO webhook_event_tenants(tenant_id, journal_id) VALUES (?, ?)")
        .Bind(1, t)
        .Bind(2, id)
        .Run();
  }
}

}  // namespace

int64_t Append(Connection& c, const std::string& body, const std::string& signature,
               const std::vector<std::string>& tenant_ids, int64_t now_ms) {
  c.Prepare("INSERT INTO webhook_journal(received_at, body, signature, bytes) VALUES (?, ?, ?, ?)")
      .Bind(1, now_ms)
      .Bind(2, body)
      .Bind(3, signature)
      .Bind(4, static_cast<int64_t>(body.size()))
      .Run();
  int64_t id = c.LastInsertRowId();
  LinkTenants(c, id, tenant_ids);
  return id;
}

void AppendRejected(Connection& c, const std::string& reason, int64_t bytes, const std::vector<std::string>& tenant_ids,
                    int64_t now_ms) {
  c.Prepare(
       "INSERT INTO webhook_journal(received_at, body, processed, outcome, outcome_reason, details, processed_at, "
       "bytes) VALUES (?, '', 1, 'rejected', ?, '{}', ?, ?)")
      .Bind(1, now_ms)
      .Bind(2, reason)
      .Bind(3, now_ms)
      .Bind(4, bytes)
      .Run();
  LinkTenants(c, c.LastInsertRowId(), tenant_ids);
}

std::vector<JournalEntry> Unprocessed(Connection& c, int64_t after_id, int64_t limit) {
  Statement s =
      c.Prepare("SELECT id, body, signature FROM webhook_journal WHERE processed = 0 AND id > ? ORDER BY id LIMIT ?");
  s.Bind(1, after_id).Bind(2, limit);
  std::vector<JournalEntry> out;
  while (s.Step()) out.push_back(JournalEntry{s.Int(0), s.Text(1), s.OptText(2)});
  return out;
}

void MarkProcessed(Connection& c, int64_t id, const JournalOutcome& outcome, const std::string& details,
                   const std::vector<std::string>& tenant_ids, int64_t now_ms) {
  c.Prepare(
       "UPDATE webhook_journal SET processed = 1, outcome = ?, outcome_reason = ?, details = ?, processed_at = ? "
       "WHERE id = ?")
      .Bind(1, outcome.outcome)
      .Bind(2, outcome.reason)
      .Bind(3, details)
      .Bind(4, now_ms)
      .Bind(5, id)
      .Run();
  LinkTenants(c, id, tenant_ids);
}

std::vector<WebhookEventRecord> ListEvents(Connection& c, const WebhookEventFilter& f) {
  // "pending" is a row not processed yet (its outcome column is still NULL). Only the filters given are
  // in the SQL, so the partial index of unprocessed rows (or the outcome's index) serves them: with
  // "(?2 IS NULL OR …)" every query scanned the whole journal (days of bodies) from the newest row, so
  // asking whether anything is pending took longer the more had been applied.
  // A tenant's list walks its own links (tenant, journal id) newest first and looks each row up.
  const char* id = f.tenant_id ? "t.journal_id" : "j.id";
  std::string where = " WHERE 1";
  if (f.outcome) where += *f.outcome == "pending" ? " AND j.processed = 0" : " AND j.outcome = ?2";
  if (f.before_id) where += std::string(" AND ") + id + " < ?3";
  if (f.tenant_id) where += " AND t.tenant_id = ?1";
  std::string sql = "SELECT j.id, j.received_at, j.processed_at, j.outcome, j.outcome_reason, j.details, j.bytes ";
  sql += f.tenant_id ? "FROM webhook_event_tenants t CROSS JOIN webhook_journal j ON j.id = t.journal_id"
                     : "FROM webhook_journal j";
  sql += where + " ORDER BY " + id + " DESC LIMIT ?4";  // ?4 is the highest: every index below may be bound
  Statement s = c.Prepare(sql);
  s.Bind(1, f.tenant_id).Bind(2, f.outcome).Bind(3, f.before_id).Bind(4, f.limit);
  std::vector<WebhookEventRecord> out;
  while (s.Step()) {
    WebhookEventRecord r;
    r.id = s.Int(0);
    r.received_at = s.Int(1);
    r.processed_at = s.OptInt(2);
    r.outcome = s.OptText(3).value_or("pending");
    r.reason = s.OptText(4);
    r.details = s.OptText(5).value_or("{}");
    r.bytes = s.OptInt(6).value_or(0);
    out.push_back(std::move(r));
  }
  return out;
}

int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows) {
  // The entries' tenants first, found by journal id (the index of migration 8), within the same range.
  int64_t last = LastOldRowid(c, "webhook_journal", "received_at", "processed = 1", before_ms, max_rows);
  int64_t removed = 0;
  if (last > 0) {
    c.Prepare(
         "DELETE FROM webhook_event_tenants WHERE journal_id IN (SELECT id FROM webhook_journal WHERE id <= ? AND "
         "processed = 1 AND received_at < ?)")
        .Bind(1, last)
        .Bind(2, before_ms)
        .Run();
    c.Prepare("DELETE FROM webhook_journal WHERE id <= ? AND processed = 1 AND received_at < ?")
        .Bind(1, last)
        .Bind(2, before_ms)
        .Run();
    removed += c.Changes();
  }
  return removed + DeleteOldRows(c, "orphan_statuses", "received_at", before_ms, max_rows);
}

bool StoreSignal(Connection& c, const AccountSignal& s, int64_t now_ms) {
  c.Prepare(
       "INSERT INTO outlet_signals(outlet_id, field, at, value, received_at) VALUES (?,?,?,?,?) "
       "ON CONFLICT(outlet_id, field) DO UPDATE SET at = excluded.at, value = excluded.value, "
       "received_at = excluded.received_at WHERE excluded.at >= outlet_signals.at AND excluded.value <> "
       "outlet_signals.value")
      .Bind(1, s.outlet_id)
      .Bind(2, s.field)
      .Bind(3, s.at_ms)
      .Bind(4, s.value)
      .Bind(5, now_ms)
      .Run();
  return c.Changes() > 0;
}

std::vector<AccountSignal> ListSignals(Connection& c, const std::string& outlet_id) {
  Statement s = c.Prepare("SELECT outlet_id, field, at, value FROM outlet_signals WHERE outlet_id = ? ORDER BY field");
  s.Bind(1, outlet_id);
  std::vector<AccountSignal> out;
  while (s.Step()) out.push_back(AccountSignal{s.Text(0), s.Text(1), s.Int(2), s.Text(3)});
  return out;
}

}  // namespace wagate::store::sqlite::webhook_journal
