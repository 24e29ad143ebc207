// The SQLite backend passes every store conformance suite.
#include "wagate/store/conformance/campaign_store_conformance.hpp"
#include "wagate/store/conformance/conversation_store_conformance.hpp"
#include "wagate/store/conformance/event_store_conformance.hpp"
#include "wagate/store/conformance/message_store_conformance.hpp"
#include "wagate/store/conformance/template_store_conformance.hpp"
#include "wagate/store/conformance/tenant_store_conformance.hpp"
#include "wagate/store/conformance/webhook_journal_conformance.hpp"
#include "wagate/store/sqlite/open_sqlite.hpp"

namespace wagate::store::conformance {
namespace {

struct SqliteBackend {
  static core::Result<Stores> Open(const std::string& dir) {
    return sqlite::OpenSqliteStores({dir + "/wagate.db", 2, 64});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, MessageStoreConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, TenantStoreConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, TemplateStoreConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, WebhookJournalConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ConversationStoreConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, EventStoreConformance, SqliteBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, CampaignStoreConformance, SqliteBackend);

}  // namespace
}  // namespace wagate::store::conformance
