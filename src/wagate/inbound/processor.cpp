#include "wagate/inbound/processor.hpp"

#include <future>

#include "wagate/core/log.hpp"
#include "wagate/graph/signature.hpp"
#include "wagate/graph/webhook_payload.hpp"

namespace wagate::inbound {

Processor::Processor(store::WebhookJournal& journal, store::ContactStore& contacts, const core::Clock& clock,
                     metrics::Registry& metrics, const tenancy::OutletRegistry& outlets,
                     conversation::ContactWindows& windows, templates::TemplateRegistry* templates)
    : journal_(journal),
      contacts_(contacts),
      clock_(clock),
      metrics_(metrics),
      outlets_(outlets),
      windows_(windows),
      templates_(templates),
      worker_("inbound", clock, std::chrono::seconds(1), [this] { Step(); }) {}

Processor::~Processor() { Stop(); }

void Processor::Start() {
  // The service windows that may still be open, from the store (they outlive restarts).
  int64_t since = clock_.NowMs() - conversation::ContactWindows::kWindowMs;
  auto contacts = contacts_.RecentContacts(since);
  for (const auto& k : contacts) windows_.RecordInbound(k.outlet_id, k.wa_id, k.last_inbound_at);
  worker_.Start();
}

void Processor::Stop() { worker_.Stop(); }

void Processor::Notify() { worker_.Wake(); }

void Processor::CountEvent(const std::string& type) {
  metrics_.GetCounter("wagate_webhook_events_total", "Webhook events applied, by type", "type=\"" + type + "\"")->Inc();
}

// A webhook may carry entries for several WABAs; its signature is checked at ingest against the
// phone numbers it names, but a template change names only its WABA. Each one is applied only if an
// app secret of that WABA's outlets produced the signature: tenant A must not be able to sign, with
// its own secret, a change to tenant B's templates.
bool Processor::SignedForWaba(const store::JournalEntry& entry, const std::string& waba_id) const {
  if (!entry.signature) return true;  // journaled before signatures were kept: checked as a whole then
  for (const auto& outlet : outlets_.ByWabaId(waba_id)) {
    if (graph::VerifySignature(*entry.signature, outlet->app_secret, entry.body)) return true;
  }
  return false;
}

size_t Processor::ProcessBatch() {
  auto entries = journal_.Unprocessed(256);
  if (entries.empty()) return 0;
  int64_t now = clock_.NowMs();
  std::vector<store::JournalApplication> batch;
  std::vector<std::string> event_types;  // counted once applied
  for (const auto& e : entries) {
    auto payload = graph::ParseWebhookPayload(e.body);
    store::JournalApplication& p = batch.emplace_back();
    p.journal_id = e.id;
    if (payload) {
      p.statuses = std::move(payload->statuses);
      if (templates_) {
        for (auto& t : payload->template_statuses) {
          if (SignedForWaba(e, t.waba_id)) {
            p.template_statuses.push_back({std::move(t.waba_id), std::move(t.graph_id), std::move(t.name),
                                           std::move(t.language), std::move(t.status), std::move(t.reason)});
          } else {
            core::LogWarn("inbound", "template status change skipped: not signed by the app secret of its WABA",
                          {{"waba_id", t.waba_id}, {"journal_id", e.id}});
            metrics_
                .GetCounter("wagate_webhook_events_skipped_total", "Webhook events not applied, by reason",
                            "reason=\"unsigned_waba\"")
                ->Inc();
          }
        }
      }
      event_types.insert(event_types.end(), p.template_statuses.size(), "template_status");
      for (const auto& name : payload->status_names) event_types.push_back(name.empty() ? "status_unnamed" : name);
      event_types.insert(event_types.end(), payload->messages.size(), "message");
      for (auto& m : payload->messages) {
        if (auto outlet = outlets_.ByPhoneNumberId(m.phone_number_id)) {
          p.inbound.push_back({outlet->id, std::move(m.from), m.at_ms > 0 ? m.at_ms : now});
        }
      }
    }
  }
  core::Result<size_t> applied = journal_.Apply(batch, now);
  if (!applied) {
    core::LogError("inbound", "could not apply webhooks", {{"error", applied.error().message}});
    return 0;
  }
  for (const auto& entry : batch) {
    for (const auto& in : entry.inbound) windows_.RecordInbound(in.outlet_id, in.wa_id, in.at_ms);
    for (const auto& t : entry.template_statuses) templates_->ApplyStatus(t, now);  // only set with a registry
  }
  // Counted only now, so the metric never runs ahead of what the gateway knows.
  for (const auto& type : event_types) CountEvent(type);
  return entries.size();
}

void Processor::PruneIfDue() {
  int64_t now = clock_.NowMs();
  if (now - last_prune_ms_ < 60'000) return;
  last_prune_ms_ = now;
  journal_.Prune(now - kRetentionMs,
                 now - 2 * conversation::ContactWindows::kWindowMs);  // keys live at least 24 h (here: 48 h)
}

void Processor::Step() {
  while (ProcessBatch() > 0) {
  }
  PruneIfDue();
}

}  // namespace wagate::inbound
