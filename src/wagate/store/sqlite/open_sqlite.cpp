#include "wagate/store/sqlite/open_sqlite.hpp"

#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {

core::Result<Stores> OpenSqliteStores(const SqliteSettings& settings) {
  auto db = Database::Open({settings.path, settings.readers, settings.max_batch});
  if (!db) return db.error();
  std::shared_ptr<Database> shared(std::move(*db));
  Stores stores;
  stores.backend = shared;
  stores.tenants = std::make_unique<SqliteTenantStore>(*shared);
  stores.messages = std::make_unique<SqliteMessageStore>(*shared);
  stores.templates = std::make_unique<SqliteTemplateStore>(*shared);
  stores.journal = std::make_unique<SqliteWebhookJournal>(*shared);
  stores.contacts = std::make_unique<SqliteContactStore>(*shared);
  stores.conversations = std::make_unique<SqliteConversationStore>(*shared);
  stores.events = std::make_unique<SqliteEventStore>(*shared);
  stores.campaigns = std::make_unique<SqliteCampaignStore>(*shared);
  stores.health = std::make_unique<SqliteHealth>(*shared);
  return stores;
}

}  // namespace wagate::store::sqlite
