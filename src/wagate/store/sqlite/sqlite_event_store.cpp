#include <map>

#include "wagate/store/event_payloads.hpp"
#include "wagate/store/sqlite/admin_repo.hpp"
#include "wagate/store/sqlite/event_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {
namespace {

bool Visible(const std::optional<std::string>& tenant_id, const SubscriptionRecord& s) {
  return !tenant_id || *tenant_id == s.tenant_id;
}

// An attempt's effect on its subscription: a success ends a failing streak; a failure starts one, and
// one that has lasted `disable_after_ms` disables the subscription. True when it disabled it.
bool NoteAttempt(Connection& c, SubscriptionRecord& s, bool succeeded, int64_t now_ms, int64_t disable_after_ms) {
  if (succeeded) {
    if (!s.failing_since) return false;
    s.failing_since.reset();
  } else if (!s.failing_since) {
    s.failing_since = now_ms;
  } else if (s.enabled && now_ms - *s.failing_since >= disable_after_ms) {
    s.enabled = false;
    s.disabled_reason = "every delivery failed for " + std::to_string((now_ms - *s.failing_since) / 1000) + " s";
  } else {
    return false;
  }
  s.updated_at = now_ms;
  event_repo::UpdateSubscription(c, s);
  return !s.enabled && !succeeded;
}

}  // namespace

core::Status SqliteEventStore::CreateSubscription(const SubscriptionRecord& s) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (s.tenant_id != kEveryTenant && !admin_repo::GetTenant(c, s.tenant_id)) return core::Error::NotFound("tenant");
    event_repo::InsertSubscription(c, s);
    return core::Ok{};
  });
}

std::optional<SubscriptionRecord> SqliteEventStore::GetSubscription(const std::optional<std::string>& tenant_id,
                                                                    const std::string& id) {
  auto s = db_.Read([&](Connection& c) { return event_repo::GetSubscription(c, id); });
  if (!s || !Visible(tenant_id, *s)) return std::nullopt;
  return s;
}

std::vector<SubscriptionRecord> SqliteEventStore::ListSubscriptions(const std::optional<std::string>& tenant_id) {
  return db_.Read([&](Connection& c) { return event_repo::ListSubscriptions(c, tenant_id); });
}

core::Result<SubscriptionRecord> SqliteEventStore::UpdateSubscription(
    const std::optional<std::string>& tenant_id, const std::string& id,
    const std::function<void(SubscriptionRecord&)>& change) {
  SubscriptionRecord updated;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto sub = event_repo::GetSubscription(c, id);
    if (!sub || !Visible(tenant_id, *sub)) return core::Error::NotFound("subscription");
    change(*sub);
    event_repo::UpdateSubscription(c, *sub);
    updated = *sub;
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return updated;
}

core::Status SqliteEventStore::DeleteSubscription(const std::optional<std::string>& tenant_id, const std::string& id) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto sub = event_repo::GetSubscription(c, id);
    if (!sub || !Visible(tenant_id, *sub)) return core::Error::NotFound("subscription");
    event_repo::DeleteSubscription(c, id);
    return core::Ok{};
  });
}

core::Result<int64_t> SqliteEventStore::PublishTo(const std::string& subscription_id, const OutboxEvent& event) {
  int64_t id = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!event_repo::GetSubscription(c, subscription_id)) return core::Error::NotFound("subscription");
    id = event_repo::EmitTo(c, subscription_id, event);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return id;
}

std::vector<DueDelivery> SqliteEventStore::DueDeliveries(const std::string& subscription_id, bool ordered,
                                                         int64_t now_ms, int64_t limit) {
  auto due = db_.Read([&](Connection& c) { return event_repo::Due(c, subscription_id, ordered, now_ms, limit); });
  if (!due.empty()) db_.AwaitDurable();  // they leave the process next (the interface's promise)
  return due;
}

core::Result<std::vector<std::string>> SqliteEventStore::RecordAttempts(
    const std::vector<AttemptOutcome>& outcomes, int64_t now_ms, int64_t disable_after_ms,
    const std::function<OutboxEvent(const SubscriptionRecord&)>& disabled_event) {
  std::vector<std::string> disabled;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    disabled.clear();
    std::map<std::string, SubscriptionRecord> subs;
    for (const auto& o : outcomes) {
      event_repo::RecordAttempt(c, o, now_ms);
      auto it = subs.find(o.subscription_id);
      if (it == subs.end()) {
        auto sub = event_repo::GetSubscription(c, o.subscription_id);
        if (!sub) continue;  // deleted meanwhile
        it = subs.emplace(o.subscription_id, std::move(*sub)).first;
      }
      if (NoteAttempt(c, it->second, o.succeeded, now_ms, disable_after_ms)) {
        disabled.push_back(it->first);
        // The tenant's other subscriptions hear of it (this one is disabled: Emit skips it).
        OutboxEvent e = disabled_event(it->second);
        event_repo::Emit(c, e.tenant_id, e.type, [&e] { return e; });
      }
    }
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return disabled;
}

std::vector<DeliveryRecord> SqliteEventStore::ListDeliveries(const DeliveryFilter& filter) {
  return db_.Read([&](Connection& c) { return event_repo::ListDeliveries(c, filter); });
}

std::optional<DeliveryRecord> SqliteEventStore::GetDelivery(const std::string& subscription_id, int64_t id) {
  return db_.Read([&](Connection& c) { return event_repo::GetDelivery(c, subscription_id, id); });
}

core::Result<DeliveryRecord> SqliteEventStore::Replay(const std::string& subscription_id, int64_t id, int64_t now_ms) {
  DeliveryRecord out;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto d = event_repo::GetDelivery(c, subscription_id, id);
    if (!d) return core::Error::NotFound("delivery");
    if (!event_repo::Replay(c, subscription_id, id, now_ms)) {
      return core::Error{core::ErrorKind::kConflict, "delivery_pending",
                         "the delivery is still pending: it is attempted on its own schedule"};
    }
    out = *event_repo::GetDelivery(c, subscription_id, id);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return out;
}

core::Result<int64_t> SqliteEventStore::ReplayAll(const std::string& subscription_id, int64_t since_ms,
                                                  DeliveryStatus status, int64_t now_ms) {
  int64_t n = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    n = event_repo::ReplayAll(c, subscription_id, since_ms, status, now_ms);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return n;
}

int64_t SqliteEventStore::Prune(int64_t before_ms, int64_t max_rows) {
  int64_t removed = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    removed = event_repo::Prune(c, before_ms, max_rows);
    return core::Ok{};
  });
  return s.ok() ? removed : 0;
}

core::Status SqliteEventStore::CreateHook(const PresendHookRecord& h) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::GetTenant(c, h.tenant_id)) return core::Error::NotFound("tenant");
    if (h.outlet_id) {
      auto o = admin_repo::GetOutlet(c, *h.outlet_id);
      if (!o || o->tenant_id != h.tenant_id) return core::Error::NotFound("outlet");
    }
    for (const auto& existing : event_repo::ListHooks(c, h.tenant_id)) {
      if (existing.outlet_id == h.outlet_id) {
        return core::Error{core::ErrorKind::kConflict, "hook_exists",
                           h.outlet_id ? "this outlet already has a pre-send hook: delete it first"
                                       : "the tenant already has a default pre-send hook: delete it first"};
      }
    }
    event_repo::InsertHook(c, h);
    return core::Ok{};
  });
}

std::vector<PresendHookRecord> SqliteEventStore::ListHooks(const std::optional<std::string>& tenant_id) {
  return db_.Read([&](Connection& c) { return event_repo::ListHooks(c, tenant_id); });
}

core::Status SqliteEventStore::DeleteHook(const std::optional<std::string>& tenant_id, const std::string& id) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!event_repo::DeleteHook(c, tenant_id, id)) return core::Error::NotFound("hook");
    return core::Ok{};
  });
}

}  // namespace wagate::store::sqlite
