#include "wagate/inbound/processor.hpp"

#include <future>

#include "wagate/core/log.hpp"
#include "wagate/graph/signature.hpp"
#include "wagate/graph/webhook_payload.hpp"
#include "wagate/store/contact_repo.hpp"
#include "wagate/store/idempotency_repo.hpp"
#include "wagate/store/message_repo.hpp"
#include "wagate/store/webhook_journal.hpp"

namespace wagate::inbound {

namespace journal = store::webhook_journal;
namespace repo = store::message_repo;

Processor::Processor(store::Database& db, const core::Clock& clock, metrics::Registry& metrics,
                     const tenancy::OutletRegistry& outlets, conversation::ContactWindows& windows,
                     templates::TemplateRegistry* templates)
    : db_(db), clock_(clock), metrics_(metrics), outlets_(outlets), windows_(windows), templates_(templates) {}

Processor::~Processor() { Stop(); }

void Processor::Start() {
  // The service windows that may still be open, from the store (they outlive restarts).
  int64_t since = clock_.NowMs() - conversation::ContactWindows::kWindowMs;
  auto contacts = db_.Read([since](store::Connection& c) { return store::contact_repo::RecentContacts(c, since); });
  for (const auto& k : contacts) windows_.RecordInbound(k.outlet_id, k.wa_id, k.last_inbound_at);
  thread_ = std::thread([this] { Run(); });
}

void Processor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Processor::Notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void Processor::CountEvent(const std::string& type) {
  metrics_.GetCounter("wagate_webhook_events_total", "Webhook events applied, by type", "type=\"" + type + "\"")->Inc();
}

// A webhook may carry entries for several WABAs; its signature is checked at ingest against the
// phone numbers it names, but a template change names only its WABA. Each one is applied only if an
// app secret of that WABA's outlets produced the signature: tenant A must not be able to sign, with
// its own secret, a change to tenant B's templates.
bool Processor::SignedForWaba(const store::webhook_journal::Entry& entry, const std::string& waba_id) const {
  if (!entry.signature) return true;  // journaled before signatures were kept: checked as a whole then
  for (const auto& outlet : outlets_.ByWabaId(waba_id)) {
    if (graph::VerifySignature(*entry.signature, outlet->app_secret, entry.body)) return true;
  }
  return false;
}

size_t Processor::ProcessBatch() {
  auto entries = db_.Read([](store::Connection& c) { return journal::Unprocessed(c, 0, 256); });
  if (entries.empty()) return 0;
  struct Parsed {
    int64_t journal_id;
    std::vector<repo::StatusEvent> statuses;
    std::vector<std::pair<std::string, graph::WebhookPayload::Inbound>> inbound;  // (outlet id, message)
    std::vector<std::string> event_types;  // counted once applied
    std::vector<graph::TemplateStatusEvent> template_statuses;
  };
  std::vector<Parsed> parsed;
  for (const auto& e : entries) {
    auto payload = graph::ParseWebhookPayload(e.body);
    Parsed p{e.id, {}, {}, {}, {}};
    if (payload) {
      p.statuses = std::move(payload->statuses);
      if (templates_) {
        for (auto& t : payload->template_statuses) {
          if (SignedForWaba(e, t.waba_id)) {
            p.template_statuses.push_back(std::move(t));
          } else {
            core::LogWarn("inbound", "template status change skipped: not signed by the app secret of its WABA",
                          {{"waba_id", t.waba_id}, {"journal_id", e.id}});
            metrics_.GetCounter("wagate_webhook_events_skipped_total", "Webhook events not applied, by reason",
                                "reason=\"unsigned_waba\"")->Inc();
          }
        }
      }
      p.event_types.insert(p.event_types.end(), p.template_statuses.size(), "template_status");
      for (const auto& name : payload->status_names) p.event_types.push_back(name.empty() ? "status_unnamed" : name);
      p.event_types.insert(p.event_types.end(), payload->inbound_messages, "message");
      for (auto& in : payload->inbound) {
        if (auto outlet = outlets_.ByPhoneNumberId(in.phone_number_id)) p.inbound.emplace_back(outlet->id, std::move(in));
      }
    }
    parsed.push_back(std::move(p));
  }
  int64_t now = clock_.NowMs();
  auto applied = std::make_shared<size_t>(0);
  core::Status s = db_.WriteAndWait([&parsed, now, applied](store::Connection& c) -> core::Status {
    for (const auto& p : parsed) {
      for (const auto& st : p.statuses) {
        if (repo::ApplyStatus(c, st, now) == repo::ApplyResult::kApplied) ++*applied;
      }
      for (const auto& [outlet_id, in] : p.inbound) {
        store::contact_repo::RecordInbound(c, outlet_id, in.from, in.at_ms > 0 ? in.at_ms : now);
      }
      for (const auto& t : p.template_statuses) templates::TemplateRegistry::ApplyStatus(c, t, now);
      journal::MarkProcessed(c, p.journal_id);
    }
    return core::Ok{};
  });
  if (s.ok()) {
    for (const auto& p : parsed) {
      for (const auto& [outlet_id, in] : p.inbound) windows_.RecordInbound(outlet_id, in.from, in.at_ms > 0 ? in.at_ms : now);
      for (const auto& t : p.template_statuses) templates_->ApplyStatus(t, now);
      // Counted only now, so the metric never runs ahead of what the gateway knows.
      for (const auto& type : p.event_types) CountEvent(type);
    }
  }
  if (!s.ok()) {
    core::LogError("inbound", "could not apply webhooks", {{"error", s.error().message}});
    return 0;
  }
  return entries.size();
}

void Processor::PruneIfDue() {
  int64_t now = clock_.NowMs();
  if (now - last_prune_ms_ < 60'000) return;
  last_prune_ms_ = now;
  db_.Write([cutoff = now - kRetentionMs, keys_cutoff = now - 2 * conversation::ContactWindows::kWindowMs](store::Connection& c) -> core::Status {
    journal::Prune(c, cutoff);
    store::idempotency_repo::Prune(c, keys_cutoff);  // keys live at least 24 h (here: 48 h)
    return core::Ok{};
  }, nullptr);
}

void Processor::Run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
    }
    try {
      while (ProcessBatch() > 0) {
      }
      PruneIfDue();
    } catch (const std::exception& e) {
      core::LogError("inbound", "webhook processing failed", {{"error", e.what()}});
    }
  }
}

}  // namespace wagate::inbound
