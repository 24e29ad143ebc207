#include "wagate/store/sqlite/idempotency_repo.hpp"

#include "wagate/store/sqlite/age_prune.hpp"

namespace wagate::store::sqlite::idempotency_repo {

std::optional<Entry> Find(Connection& c, const std::string& tenant_id, const std::string& key) {
  Statement s = c.Prepare("SELECT request_hash, message_id FROM idempotency_keys WHERE tenant_id = ? AND key = ?");
  s.Bind(1, tenant_id).Bind(2, key);
  if (!s.Step()) return std::nullopt;
  return Entry{s.Text(0), s.Text(1)};
}

void Insert(Connection& c, const std::string& tenant_id, const std::string& key, const Entry& e, int64_t now_ms) {
  c.Prepare("INSERT INTO idempotency_keys(tenant_id, key, request_hash, message_id, created_at) VALUES (?,?,?,?,?)")
      .Bind(1, tenant_id)
      .Bind(2, key)
      .Bind(3, e.request_hash)
      .Bind(4, e.message_id)
      .Bind(5, now_ms)
      .Run();
}

int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows) {
  return DeleteOldRows(c, "idempotency_keys", "created_at", before_ms, max_rows);
}

}  // namespace wagate::store::sqlite::idempotency_repo
