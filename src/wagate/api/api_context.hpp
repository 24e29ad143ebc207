// What the API handlers work with: the operations and registries, wired by the composition root.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "wagate/api/concurrency_slots.hpp"
#include "wagate/campaigns/campaign_service.hpp"
#include "wagate/campaigns/suppression_list.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/lag_monitor.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/events/deliverer.hpp"
#include "wagate/events/presend_hooks.hpp"
#include "wagate/events/subscriptions.hpp"
#include "wagate/inbound/ingest.hpp"
#include "wagate/inbound/processor.hpp"
#include "wagate/media/media_service.hpp"
#include "wagate/messaging/conversation_reads.hpp"
#include "wagate/messaging/dead_letters.hpp"
#include "wagate/messaging/send_service.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/stores.hpp"
#include "wagate/templates/template_registry.hpp"
#include "wagate/tenancy/admin_service.hpp"

namespace wagate::api {

struct ApiContext {
  // Storage through its interfaces only (store/stores.hpp): no handler sees a database.
  store::MessageStore& messages;
  store::TemplateStore& template_store;
  store::WebhookJournal& journal;
  store::ConversationStore& conversations;
  store::TenantStore& tenant_store;
  store::EventStore& event_store;
  const store::StoreHealth& store_health;
  messaging::DeadLetters& dead_letters;
  tenancy::AdminService& admin;
  tenancy::KeyRegistry& keys;
  tenancy::OutletRegistry& outlets;
  messaging::SendService& sender;
  messaging::ConversationReads& reads;
  engine::Dispatcher& dispatcher;
  engine::OutcomeWaiters& waiters;
  conversation::ContactWindows& windows;
  inbound::Processor& processor;
  inbound::Ingest& ingest;
  templates::TemplateRegistry& templates;
  media::MediaService& media;
  events::Subscriptions& subscriptions;
  events::Deliverer& deliverer;
  events::PresendHooks& hooks;
  metrics::Registry& metrics;
  const core::Clock& clock;
  int64_t sync_wait_ms = 60000;
  std::atomic<bool> ready{false};
  std::string metrics_token = "";  // may read /metrics (http.metrics_token); empty = the admin key only
  // Media uploads (bodies up to 100 MiB in memory) and downloads (an upstream thread each, at the
  // client's pace): per tenant and in all.
  ConcurrencySlots upload_slots{4, 16};
  ConcurrencySlots download_slots{4, 12};
  ConcurrencySlots bulk_upload_slots{2, 6};             // campaign recipient lists and suppression imports, streamed
  const core::LagMonitor* stalls = nullptr;             // this process's scheduling stalls
  const engine::PacingMargin* pacing_margin = nullptr;  // the send window's current jitter margin
  campaigns::CampaignService* campaigns = nullptr;      // null: no campaign routes (unit tests)
  campaigns::SuppressionList* suppressions = nullptr;
  // The broker links' state for /readyz (docs/broker.md); empty when no broker is configured.
  std::function<nlohmann::json()> broker_health = nullptr;
};

}  // namespace wagate::api
