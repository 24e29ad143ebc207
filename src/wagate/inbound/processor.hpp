// Applies journaled webhooks in journal order, each exactly once (the journal row is marked processed,
// with its outcome, in the same write that applies it): statuses, customers' messages and reactions
// into conversations, template statuses, and account signals (a messaging-tier change reaches the
// outlet's lane at once). Every part is authorised on its own: applied only if its outlet is known
// and that outlet's app secret signed the body; anything else is recorded as skipped, with a reason,
// and never holds back the rest of the payload.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wagate/conversation/contact_windows.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/inbound/delivery.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/contact_store.hpp"
#include "wagate/store/tenant_store.hpp"
#include "wagate/store/webhook_journal.hpp"
#include "wagate/templates/template_registry.hpp"
#include "wagate/tenancy/admin_service.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::inbound {

struct ProcessorDeps {
  store::WebhookJournal& journal;
  store::ContactStore& contacts;
  store::TenantStore& tenants;  // the outlets' recorded signals (is a tier change newer?)
  const core::Clock& clock;
  metrics::Registry& metrics;
  const tenancy::OutletRegistry& outlets;
  conversation::ContactWindows& windows;
  templates::TemplateRegistry* templates = nullptr;  // template status webhooks update it (null: ignored)
  tenancy::AdminService* admin = nullptr;            // messaging-tier changes go through it (null: ignored)
  // A customer's text that is exactly one of these words (case-insensitive, surrounding blanks aside)
  // puts them on the tenant's suppression list (campaigns.opt_out_words).
  std::vector<std::string> opt_out_words;
};

// One background worker; Handoff() and Notify() from any thread.
class Processor final {
 public:
  // Processed journal rows and unmatched orphan statuses are kept this long (Meta retries for 7 days).
  static constexpr int64_t kRetentionMs = 8LL * 24 * 3600 * 1000;
  // Parsed deliveries waiting for the processor, at most; beyond, the processor parses the journal.
  static constexpr size_t kMaxHandoffs = 20000;

  explicit Processor(const ProcessorDeps& deps);
  ~Processor();
  void Start();
  void Stop();
  void Notify();
  // Ingest's parsed delivery for journal entry `id`, then Notify().
  void Handoff(int64_t id, std::shared_ptr<const Delivery> delivery);
  // Runs one batch now; returns how many journal entries it applied (used by Start and tests).
  size_t ProcessBatch();

 private:
  struct Authorised;
  void Step();
  void PruneIfDue();
  std::shared_ptr<const Delivery> TakeHandoff(const store::JournalEntry& entry);
  store::JournalApplication Prepare(const store::JournalEntry& entry, const Delivery& delivery,
                                    std::vector<std::string>& event_types);
  void ApplyTierChanges(const store::JournalApplication& application, const Delivery& delivery);
  void Remember(const std::vector<store::JournalApplication>& batch, int64_t now);
  void CountEvent(const std::string& type);

  ProcessorDeps deps_;
  int64_t last_prune_ms_ = 0;
  bool prune_unfinished_ = false;  // the last prune stopped with more due: go on at the next step
  std::mutex handoff_mu_;
  // By journal id. Ingest hands a delivery over only after its row is committed, so the processor may
  // already have read (and parsed) that row itself: a hand-off for an applied id is dropped, and
  // applying a batch forgets every hand-off up to its last id, so none is kept for ever.
  std::map<int64_t, std::shared_ptr<const Delivery>> handoffs_;
  int64_t applied_through_ = 0;  // journal ids up to this one are applied (rows are applied in id order)
  // Applies everything journaled when notified, and at least every second. Stopping lets a batch
  // finish (it is one transaction: applied whole or not at all); what is left stays in the journal.
  core::Worker worker_;
};

}  // namespace wagate::inbound
