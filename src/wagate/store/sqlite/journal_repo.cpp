#include "wagate/store/sqlite/journal_repo.hpp"

namespace wagate::store::sqlite::webhook_journal {

int64_t Append(Connection& c, const std::string& body, const std::string& signature, int64_t now_ms) {
  c.Prepare("INSERT INTO webhook_journal(received_at, body, signature) VALUES (?, ?, ?)")
      .Bind(1, now_ms)
      .Bind(2, body)
      .Bind(3, signature)
      .Run();
  return c.LastInsertRowId();
}

std::vector<JournalEntry> Unprocessed(Connection& c, int64_t after_id, int64_t limit) {
  Statement s =
      c.Prepare("SELECT id, body, signature FROM webhook_journal WHERE processed = 0 AND id > ? ORDER BY id LIMIT ?");
  s.Bind(1, after_id).Bind(2, limit);
  std::vector<JournalEntry> out;
  while (s.Step()) out.push_back(JournalEntry{s.Int(0), s.Text(1), s.OptText(2)});
  return out;
}

void MarkProcessed(Connection& c, int64_t id) {
  c.Prepare("UPDATE webhook_journal SET processed = 1 WHERE id = ?").Bind(1, id).Run();
}

int64_t Prune(Connection& c, int64_t before_ms) {
  c.Prepare("DELETE FROM webhook_journal WHERE processed = 1 AND received_at < ?").Bind(1, before_ms).Run();
  int64_t removed = c.Changes();
  c.Prepare("DELETE FROM orphan_statuses WHERE received_at < ?").Bind(1, before_ms).Run();
  return removed + c.Changes();
}

}  // namespace wagate::store::sqlite::webhook_journal
