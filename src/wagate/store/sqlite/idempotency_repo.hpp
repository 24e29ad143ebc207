// Idempotency keys: (tenant, key) → the message a request created, with the request's hash.
#pragma once

#include <optional>
#include <string>

#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::idempotency_repo {

struct Entry {
  std::string request_hash;
  std::string message_id;
};
std::optional<Entry> Find(Connection& c, const std::string& tenant_id, const std::string& key);
void Insert(Connection& c, const std::string& tenant_id, const std::string& key, const Entry& e, int64_t now_ms);
// Up to `max_rows` of the oldest keys created before `before_ms` (they are kept at least 24 h);
// answers how many it deleted.
int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows);

}  // namespace wagate::store::sqlite::idempotency_repo
