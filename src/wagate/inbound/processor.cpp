#include "wagate/inbound/processor.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include "wagate/core/log.hpp"
#include "wagate/core/phone.hpp"
#include "wagate/inbound/webhook_auth.hpp"
#include "wagate/security/crypto.hpp"
#include "wagate/store/prune_chunks.hpp"

namespace wagate::inbound {
namespace {

using OutletPtr = std::shared_ptr<const tenancy::OutletCredentials>;

// The same message always gets the same id, however often Meta delivers it.
std::string InboundId(const std::string& outlet_id, const std::string& wamid) {
  return "in_" + security::Sha256Hex(outlet_id + "/" + wamid).substr(0, 26);
}

// The outlets a signal is about: the WABA's outlet with the signal's display number, or every outlet
// of the WABA when the signal names no number (account_update). Another number of the same WABA that
// the gateway does not serve matches none: its tier must never land on ours.
std::vector<OutletPtr> SignalOutlets(const tenancy::OutletRegistry& outlets, const graph::AccountSignalEvent& s) {
  auto all = outlets.ByWabaId(s.waba_id);
  if (s.display_phone_number.empty()) return all;
  std::vector<OutletPtr> match;
  std::copy_if(all.begin(), all.end(), std::back_inserter(match),
               [&](const OutletPtr& o) { return o->display_phone_number == s.display_phone_number; });
  return match;
}

// The whole text, blanks aside, is one of the words (`words` upper-case ASCII): "stop" and " Stop "
// opt out, "stop sending me ads" does not (a human should read that one).
bool IsOptOut(std::string_view text, const std::vector<std::string>& words) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::any_of(words.begin(), words.end(), [text](const std::string& w) {
    return w.size() == text.size() && std::equal(w.begin(), w.end(), text.begin(), [](char a, char b) {
             return a == std::toupper(static_cast<unsigned char>(b));
           });
  });
}

bool CarriesTier(const graph::AccountSignalEvent& s) {
  return s.messaging_tier.has_value() &&
         (s.field == "phone_number_quality_update" || s.field == "business_capability_update");
}

}  // namespace

// Which parts of one delivery may be applied: a known outlet that signed the body.
struct Processor::Authorised {
  const tenancy::OutletRegistry& outlets;
  const Delivery& delivery;
  store::JournalApplication& app;

  // The outlet, or nullopt with the skip counted.
  OutletPtr Outlet(const std::string& phone_number_id) {
    OutletPtr o = outlets.ByPhoneNumberId(phone_number_id);
    if (!o) return Skip("unknown_phone_number_id");
    if (!delivery.signed_by.count(o->id)) return Skip("not_signed_by_outlet");
    Touch(*o);
    return o;
  }
  bool SignedForWaba(const std::string& waba_id) const {
    auto list = outlets.ByWabaId(waba_id);
    return std::any_of(list.begin(), list.end(), [&](const OutletPtr& o) { return delivery.signed_by.count(o->id); });
  }
  void Touch(const tenancy::OutletCredentials& o) {
    if (std::find(app.tenant_ids.begin(), app.tenant_ids.end(), o.tenant_id) == app.tenant_ids.end()) {
      app.tenant_ids.push_back(o.tenant_id);
    }
  }
  OutletPtr Skip(const char* reason) {
    ++app.skipped[reason];
    return nullptr;
  }
};

Processor::Processor(const ProcessorDeps& deps)
    : deps_(deps), worker_("inbound", deps.clock, std::chrono::seconds(1), [this] { Step(); }) {}

Processor::~Processor() { Stop(); }

void Processor::Start() {
  // The service windows that may still be open, from the store (they outlive restarts).
  int64_t since = deps_.clock.NowMs() - conversation::ContactWindows::kWindowMs;
  for (const auto& k : deps_.contacts.RecentContacts(since)) {
    deps_.windows.RecordInbound(k.outlet_id, k.wa_id, k.last_inbound_at);
  }
  worker_.Start();
}

void Processor::Stop() { worker_.Stop(); }

void Processor::Notify() { worker_.Wake(); }

void Processor::Handoff(int64_t id, std::shared_ptr<const Delivery> delivery) {
  {
    std::lock_guard lock(handoff_mu_);
    if (id > applied_through_ && handoffs_.size() < kMaxHandoffs) handoffs_.emplace(id, std::move(delivery));
  }
  Notify();
}

void Processor::CountEvent(const std::string& type) {
  deps_.metrics.GetCounter("wagate_webhook_events_total", "Webhook events applied, by type", "type=\"" + type + "\"")
      ->Inc();
}

// Ingest's parsed form when it is still here; otherwise (journaled before a restart, or the hand-off
// was full) the body is parsed and its signature checked now, by the same rules.
std::shared_ptr<const Delivery> Processor::TakeHandoff(const store::JournalEntry& entry) {
  {
    std::lock_guard lock(handoff_mu_);
    auto it = handoffs_.find(entry.id);
    if (it != handoffs_.end()) {
      auto d = std::move(it->second);
      handoffs_.erase(it);
      return d;
    }
  }
  auto payload = graph::ParseWebhookPayload(entry.body);
  if (!payload) return nullptr;
  auto d = std::make_shared<Delivery>();
  d->payload = std::move(*payload);
  if (!entry.signature) {  // journaled before signatures were kept: it was checked as a whole then
    for (const auto& o : NamedOutlets(deps_.outlets, d->payload)) d->signed_by.insert(o->id);
  } else if (auto signed_by = AuthenticateDelivery(deps_.outlets, d->payload, *entry.signature, entry.body)) {
    d->signed_by = std::move(*signed_by);
  }
  return d;
}

store::JournalApplication Processor::Prepare(const store::JournalEntry& entry, const Delivery& delivery,
                                             std::vector<std::string>& event_types) {
  const graph::WebhookPayload& p = delivery.payload;
  store::JournalApplication app;
  app.journal_id = entry.id;
  Authorised auth{deps_.outlets, delivery, app};
  // The outlets whose app secret vouched for the payload (all of them named by it): their tenants may see
  // what became of it even when no part was applied (an unhandled field, an entry without changes), as
  // they see the refusal of a badly signed payload naming their number.
  for (const auto& id : delivery.signed_by) {
    if (auto o = deps_.outlets.ById(id)) auth.Touch(*o);
  }
  for (size_t i = 0; i < p.statuses.size(); ++i) {
    if (!auth.Outlet(p.statuses[i].phone_number_id)) continue;
    app.statuses.push_back(p.statuses[i]);
    event_types.push_back(p.status_names.size() > i && !p.status_names[i].empty() ? p.status_names[i]
                                                                                  : "status_unnamed");
  }
  for (const auto& m : p.messages) {
    auto outlet = auth.Outlet(m.phone_number_id);
    if (!outlet) continue;
    event_types.emplace_back(m.type == "reaction" ? "reaction" : "message");
    if (m.type == "system") {  // a number change notice, not something the customer wrote
      ++app.other_events["system"];
      continue;
    }
    auto& w = app.messages.emplace_back(
        store::InboundWrite{InboundId(outlet->id, m.wamid), outlet->tenant_id, outlet->id, m});
    if (w.message.at_ms <= 0) w.message.at_ms = deps_.clock.NowMs();  // Meta always sends one; a forgery may not
    w.opt_out = m.type == "text" && IsOptOut(m.preview, deps_.opt_out_words);
  }
  for (const auto& t : p.template_statuses) {
    if (!deps_.templates) continue;
    if (!auth.SignedForWaba(t.waba_id)) {  // no app secret of that WABA signed it: another tenant's forgery?
      ++app.skipped["unsigned_waba"];
      continue;
    }
    for (const auto& o : deps_.outlets.ByWabaId(t.waba_id)) auth.Touch(*o);
    app.template_statuses.push_back({t.waba_id, t.graph_id, t.name, t.language, t.status, t.reason});
    event_types.emplace_back("template_status");
  }
  for (const auto& s : p.signals) {
    auto targets = SignalOutlets(deps_.outlets, s);
    if (targets.empty()) ++app.skipped["unknown_phone_number_id"];
    for (const auto& o : targets) {
      if (!delivery.signed_by.count(o->id)) {
        ++app.skipped["not_signed_by_outlet"];
        continue;
      }
      auth.Touch(*o);
      app.signals.push_back({o->id, s.field, s.at_ms, s.value});
      event_types.push_back(s.field);
    }
  }
  if (!p.unhandled_fields.empty()) {
    app.skipped["unhandled_field"] += static_cast<int64_t>(p.unhandled_fields.size());
  }
  return app;
}

// A tier change goes through the admin service (stored on the outlet, then the lane reconfigured, which
// releases or holds messages at once), before the journal entry is marked applied: a crash in between
// applies it again, which sets the same tier. An older signal than the outlet's last one is ignored.
void Processor::ApplyTierChanges(const store::JournalApplication& app, const Delivery& delivery) {
  if (!deps_.admin) return;
  for (const auto& s : delivery.payload.signals) {
    if (!CarriesTier(s)) continue;
    for (const auto& applied : app.signals) {
      if (applied.field != s.field || applied.value != s.value) continue;
      auto outlet = deps_.outlets.ById(applied.outlet_id);
      if (!outlet) continue;
      auto known = deps_.tenants.ListSignals(outlet->id);
      bool older = std::any_of(known.begin(), known.end(), [&](const store::AccountSignal& k) {
        return (k.field == "phone_number_quality_update" || k.field == "business_capability_update") &&
               k.at_ms > s.at_ms;
      });
      if (older || outlet->messaging_tier == *s.messaging_tier) continue;
      tenancy::OutletPatch patch;
      patch.messaging_tier = *s.messaging_tier;
      auto updated = deps_.admin->UpdateOutlet(outlet->tenant_id, outlet->id, patch);
      core::LogInfo("inbound", "messaging tier changed by Meta",
                    {{"outlet_id", outlet->id},
                     {"tier", s.messaging_tier->has_value() ? std::to_string(**s.messaging_tier) : "unlimited"},
                     {"ok", updated.ok() ? "true" : updated.error().message}});
    }
  }
}

size_t Processor::ProcessBatch() {
  auto entries = deps_.journal.Unprocessed(256);
  if (entries.empty()) return 0;
  int64_t now = deps_.clock.NowMs();
  std::vector<store::JournalApplication> batch;
  std::vector<std::string> event_types;  // counted once applied
  for (const auto& e : entries) {
    auto delivery = TakeHandoff(e);
    if (!delivery) {  // not an envelope: ingest never journals one; only a damaged row could be
      store::JournalApplication& app = batch.emplace_back();
      app.journal_id = e.id;
      app.skipped["malformed"] = 1;
      continue;
    }
    batch.push_back(Prepare(e, *delivery, event_types));
    ApplyTierChanges(batch.back(), *delivery);
  }
  auto applied = deps_.journal.Apply(batch, now);
  if (!applied) {
    core::LogError("inbound", "could not apply webhooks", {{"error", applied.error().message}});
    return 0;
  }
  {
    std::lock_guard lock(handoff_mu_);
    applied_through_ = std::max(applied_through_, entries.back().id);
    handoffs_.erase(handoffs_.begin(), handoffs_.upper_bound(applied_through_));
  }
  Remember(batch, now);
  // Counted only now, so the metric never runs ahead of what the gateway knows.
  for (const auto& type : event_types) CountEvent(type);
  // One log line per batch, not per webhook: under a storm of statuses for unknown messages a line each
  // cost more than applying them. Each webhook's own counts are in GET /api/v1/webhook-events.
  std::map<std::string, int64_t> skipped;
  int64_t skipping = 0;
  for (size_t i = 0; i < applied->size(); ++i) {
    const store::ApplyCounts& counts = (*applied)[i];
    if (!counts.skipped.empty()) ++skipping;
    for (const auto& [reason, n] : counts.skipped) skipped[reason] += n;
  }
  if (!skipped.empty()) {
    std::string reasons;
    for (const auto& [reason, n] : skipped) {
      reasons += (reasons.empty() ? "" : ",") + reason + "=" + std::to_string(n);
      deps_.metrics
          .GetCounter("wagate_webhook_events_skipped_total", "Webhook events not applied, by reason",
                      "reason=\"" + reason + "\"")
          ->Inc(static_cast<uint64_t>(n));
    }
    core::LogInfo("inbound", "webhook parts skipped",
                  {{"webhooks", skipping},
                   {"first_journal_id", entries.front().id},
                   {"last_journal_id", entries.back().id},
                   {"reasons", reasons}});
  }
  return entries.size();
}

// What the in-memory views learn from an applied batch: service windows, the template registry.
void Processor::Remember(const std::vector<store::JournalApplication>& batch, int64_t now) {
  for (const auto& entry : batch) {
    for (const auto& w : entry.messages) {
      if (w.message.reaction_to) continue;
      deps_.windows.RecordInbound(w.outlet_id, w.message.from, w.message.at_ms > 0 ? w.message.at_ms : now);
    }
    for (const auto& t : entry.template_statuses) deps_.templates->ApplyStatus(t, now);  // only set with a registry
  }
}

// A minute apart, in bounded chunks (store/prune_chunks.hpp, store::WebhookJournal::Prune), so the
// store's writer takes the request path's writes between two chunks. A backlog larger than a step's
// chunks (the first prune after an upgrade, or after a storm) goes on at the next steps.
void Processor::PruneIfDue() {
  int64_t now = deps_.clock.NowMs();
  if (!prune_unfinished_ && now - last_prune_ms_ < 60'000) return;
  last_prune_ms_ = now;
  prune_unfinished_ = !store::PruneInChunks([&](int64_t max_rows) {
    return deps_.journal.Prune(now - kRetentionMs,
                               now - 2 * conversation::ContactWindows::kWindowMs,  // keys: at least 24 h
                               max_rows);
  });
}

void Processor::Step() {
  while (ProcessBatch() > 0) {
  }
  PruneIfDue();
}

}  // namespace wagate::inbound
