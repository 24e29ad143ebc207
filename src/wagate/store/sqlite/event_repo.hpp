// SQL of subscriptions, the event outbox (events, deliveries, attempts) and pre-send hooks: internals of
// SqliteEventStore, and the Emit* calls the other repositories make inside their own transactions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/store/event_store.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::event_repo {

// Writes the event and one pending delivery per enabled subscription of the tenant that takes its
// type; nothing at all when none does (`build` is not even called). Returns the deliveries written.
int64_t Emit(Connection& c, const std::string& tenant_id, std::string_view type,
             const std::function<OutboxEvent()>& build);
// The message's event of `type`, built from the message as it now stands.
void EmitMessage(Connection& c, const std::string& message_id, const std::string& type, int64_t now_ms);
// An event for one subscription only (a test ping). Returns the delivery's id.
int64_t EmitTo(Connection& c, const std::string& subscription_id, const OutboxEvent& event);

void InsertSubscription(Connection& c, const SubscriptionRecord& s);
std::optional<SubscriptionRecord> GetSubscription(Connection& c, const std::string& id);
std::vector<SubscriptionRecord> ListSubscriptions(Connection& c, const std::optional<std::string>& tenant_id);
void UpdateSubscription(Connection& c, const SubscriptionRecord& s);
bool DeleteSubscription(Connection& c, const std::string& id);

std::vector<DueDelivery> Due(Connection& c, const std::string& subscription_id, bool ordered, int64_t now_ms,
                             int64_t limit);
void RecordAttempt(Connection& c, const AttemptOutcome& o, int64_t now_ms);
std::vector<DeliveryRecord> ListDeliveries(Connection& c, const DeliveryFilter& f);
std::optional<DeliveryRecord> GetDelivery(Connection& c, const std::string& subscription_id, int64_t id);
bool Replay(Connection& c, const std::string& subscription_id, int64_t id, int64_t now_ms);
int64_t ReplayAll(Connection& c, const std::string& subscription_id, int64_t since_ms, DeliveryStatus status,
                  int64_t now_ms);
// Up to `max_rows` finished deliveries and as many unneeded events, the oldest first; answers how many.
int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows);

// Everything of a deleted tenant: subscriptions, their deliveries, and hooks.
void DeleteTenant(Connection& c, const std::string& tenant_id);

void InsertHook(Connection& c, const PresendHookRecord& h);
std::vector<PresendHookRecord> ListHooks(Connection& c, const std::optional<std::string>& tenant_id);
bool DeleteHook(Connection& c, const std::optional<std::string>& tenant_id, const std::string& id);

}  // namespace wagate::store::sqlite::event_repo
