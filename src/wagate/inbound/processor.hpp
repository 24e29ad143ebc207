// Applies journaled webhooks: every status of every entry/change, in journal order, exactly once
// (the journal row is marked processed in the same transaction that applies it).
#pragma once

#include "wagate/conversation/contact_windows.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/contact_store.hpp"
#include "wagate/store/webhook_journal.hpp"
#include "wagate/templates/template_registry.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::inbound {

// One background worker; Notify() from any thread.
class Processor final {
 public:
  // Processed journal rows and unmatched orphan statuses are kept this long (Meta retries for 7 days).
  static constexpr int64_t kRetentionMs = 8LL * 24 * 3600 * 1000;

  Processor(store::WebhookJournal& journal, store::ContactStore& contacts, const core::Clock& clock,
            metrics::Registry& metrics, const tenancy::OutletRegistry& outlets, conversation::ContactWindows& windows,
            templates::TemplateRegistry* templates = nullptr);
  ~Processor();
  void Start();
  void Stop();
  void Notify();
  // Runs one batch now; returns how many journal entries it applied (used by Start and tests).
  size_t ProcessBatch();

 private:
  void Step();
  void PruneIfDue();
  int64_t last_prune_ms_ = 0;
  void CountEvent(const std::string& type);
  bool SignedForWaba(const store::JournalEntry& entry, const std::string& waba_id) const;
  store::WebhookJournal& journal_;
  store::ContactStore& contacts_;
  const core::Clock& clock_;
  metrics::Registry& metrics_;
  const tenancy::OutletRegistry& outlets_;
  conversation::ContactWindows& windows_;
  templates::TemplateRegistry* templates_;  // template status webhooks update it (null: ignored)
  // Applies everything journaled when notified, and at least every second. Stopping lets a batch
  // finish (it is one transaction: applied whole or not at all); what is left stays in the journal.
  core::Worker worker_;
};

}  // namespace wagate::inbound
