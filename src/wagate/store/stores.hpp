// Everything the gateway stores, as one bundle of per-aggregate interfaces opened by a backend
// (store/sqlite/open_sqlite.hpp today). The composition root owns it; the rest see the interfaces.
#pragma once

#include <cstddef>
#include <memory>

#include "wagate/store/campaign_store.hpp"
#include "wagate/store/contact_store.hpp"
#include "wagate/store/conversation_store.hpp"
#include "wagate/store/event_store.hpp"
#include "wagate/store/message_store.hpp"
#include "wagate/store/template_store.hpp"
#include "wagate/store/tenant_store.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::store {

// The backend's own state, for readiness and metrics.
class StoreHealth {
 public:
  virtual ~StoreHealth() = default;
  // False from a write that failed for lack of disk (full, I/O error) until one succeeds again; the
  // backend probes the disk meanwhile, so it turns true without any caller writing.
  [[nodiscard]] virtual bool Writable() const = 0;
  [[nodiscard]] virtual size_t PendingWrites() const = 0;
  // Finishes the queued writes, then stops; every store in the bundle is unusable afterwards.
  virtual void Stop() = 0;
};

struct Stores {
  std::shared_ptr<void> backend;  // keeps the backend alive as long as the bundle; destroyed last
  std::unique_ptr<TenantStore> tenants;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<TemplateStore> templates;
  std::unique_ptr<WebhookJournal> journal;
  std::unique_ptr<ContactStore> contacts;
  std::unique_ptr<ConversationStore> conversations;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<CampaignStore> campaigns;
  std::unique_ptr<StoreHealth> health;
};

}  // namespace wagate::store
