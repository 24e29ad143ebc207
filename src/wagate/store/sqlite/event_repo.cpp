#include "wagate/store/sqlite/event_repo.hpp"

#include <nlohmann/json.hpp>

#include "wagate/core/ids.hpp"
#include "wagate/store/event_payloads.hpp"
#include "wagate/store/sqlite/age_prune.hpp"
#include "wagate/store/sqlite/message_repo.hpp"

namespace wagate::store::sqlite::event_repo {
namespace {

std::string EventsText(const std::vector<std::string>& events) { return nlohmann::json(events).dump(); }

std::vector<std::string> ParseEvents(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

const char* kSubscriptionColumns =
    "id, tenant_id, url, events, headers, kind, secret_sealed, previous_secret_sealed, previous_secret_expires_at, "
    "enabled, ordered, disabled_reason, failing_since, created_at, updated_at";

SubscriptionRecord ReadSubscription(Statement& s) {
  SubscriptionRecord r;
  r.id = s.Text(0);
  r.tenant_id = s.Text(1);
  r.url = s.Text(2);
  r.events = ParseEvents(s.Text(3));
  r.headers_json = s.Text(4);
  r.kind = s.Text(5);
  r.secret_sealed = s.Text(6);
  r.previous_secret_sealed = s.OptText(7);
  r.previous_secret_expires_at = s.OptInt(8);
  r.enabled = s.Int(9) != 0;
  r.ordered = s.Int(10) != 0;
  r.disabled_reason = s.OptText(11);
  r.failing_since = s.OptInt(12);
  r.created_at = s.Int(13);
  r.updated_at = s.Int(14);
  return r;
}

int64_t InsertEvent(Connection& c, const OutboxEvent& e) {
  c.Prepare("INSERT INTO events(webhook_id, tenant_id, type, payload, created_at) VALUES (?,?,?,?,?)")
      .Bind(1, core::NewId("evt_", e.at_ms))
      .Bind(2, e.tenant_id)
      .Bind(3, e.type)
      .Bind(4, e.payload)
      .Bind(5, e.at_ms)
      .Run();
  return c.LastInsertRowId();
}

int64_t InsertDelivery(Connection& c, int64_t event_id, const std::string& subscription_id, const OutboxEvent& e) {
  c.Prepare(
       "INSERT INTO deliveries(subscription_id, event_id, event_type, ordering_key, status, next_attempt_at, "
       "created_at) VALUES (?,?,?,?,'pending',?,?)")
      .Bind(1, subscription_id)
      .Bind(2, event_id)
      .Bind(3, e.type)
      .Bind(4, e.ordering_key)
      .Bind(5, e.at_ms)
      .Bind(6, e.at_ms)
      .Run();
  return c.LastInsertRowId();
}

std::vector<DeliveryAttempt> Attempts(Connection& c, int64_t delivery_id) {
  Statement s = c.Prepare(
      "SELECT at, status_code, latency_ms, error_class, response_excerpt FROM delivery_attempts "
      "WHERE delivery_id = ? ORDER BY n");
  s.Bind(1, delivery_id);
  std::vector<DeliveryAttempt> out;
  while (s.Step()) {
    DeliveryAttempt a;
    a.at_ms = s.Int(0);
    a.status_code = static_cast<int>(s.Int(1));
    a.latency_ms = s.Int(2);
    a.error_class = s.Text(3);
    a.response_excerpt = s.Text(4);
    out.push_back(std::move(a));
  }
  return out;
}

const char* kDeliveryColumns =
    "d.id, d.subscription_id, e.webhook_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.created_at, "
    "d.finished_at";

DeliveryRecord ReadDelivery(Statement& s) {
  DeliveryRecord d;
  d.id = s.Int(0);
  d.subscription_id = s.Text(1);
  d.webhook_id = s.Text(2);
  d.event_type = s.Text(3);
  d.status = ParseDeliveryStatus(s.Text(4)).value_or(DeliveryStatus::kPending);
  d.attempt_count = s.Int(5);
  d.next_attempt_at = s.Int(6);
  d.created_at = s.Int(7);
  d.finished_at = s.OptInt(8);
  return d;
}

// The subscriptions a statement's rows (id, events) name that take `type`.
std::vector<std::string> Takers(Statement& s, std::string_view type) {
  std::vector<std::string> targets;
  while (s.Step()) {
    if (EventMatches(ParseEvents(s.Text(1)), type)) targets.push_back(s.Text(0));
  }
  return targets;
}

int64_t Write(Connection& c, const std::vector<std::string>& targets, const std::function<OutboxEvent()>& build) {
  if (targets.empty()) return 0;
  OutboxEvent e = build();
  int64_t event_id = InsertEvent(c, e);
  for (const auto& id : targets) InsertDelivery(c, event_id, id, e);
  return static_cast<int64_t>(targets.size());
}

}  // namespace

int64_t Emit(Connection& c, const std::string& tenant_id, std::string_view type,
             const std::function<OutboxEvent()>& build) {
  // Two index lookups, '*' first as before; `tenant_id IN (?, '*')` would build a temporary b-tree for
  // its list on every call, and this runs once or twice per accepted message.
  Statement s = c.Prepare(
      "SELECT id, events FROM subscriptions WHERE tenant_id = '*' AND enabled = 1 "
      "UNION ALL SELECT id, events FROM subscriptions WHERE tenant_id = ?1 AND enabled = 1");
  s.Bind(1, tenant_id);
  std::vector<std::string> targets = Takers(s, type);
  return Write(c, targets, build);
}

void EmitMessage(Connection& c, const std::string& message_id, const std::string& type, int64_t now_ms) {
  // One lookup from the message to its tenant's subscriptions: a tenant without any pays only this.
  // As in Emit: no IN list, so no temporary b-tree per call (this runs at every status change).
  Statement s = c.Prepare(
      "SELECT id, events FROM subscriptions WHERE tenant_id = '*' AND enabled = 1 "
      "AND EXISTS (SELECT 1 FROM messages WHERE id = ?1) "
      "UNION ALL SELECT s.id, s.events FROM messages m JOIN subscriptions s ON s.tenant_id = m.tenant_id AND "
      "s.enabled = 1 WHERE m.id = ?1");
  s.Bind(1, message_id);
  std::vector<std::string> targets = Takers(s, type);
  Write(c, targets, [&] {
    auto m = message_repo::Get(c, message_id);
    return MessageEvent(m.value_or(MessageRecord{}), type, now_ms);
  });
}

int64_t EmitTo(Connection& c, const std::string& subscription_id, const OutboxEvent& event) {
  return InsertDelivery(c, InsertEvent(c, event), subscription_id, event);
}

void InsertSubscription(Connection& c, const SubscriptionRecord& s) {
  c.Prepare(std::string("INSERT INTO subscriptions(") + kSubscriptionColumns +
            ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, s.id)
      .Bind(2, s.tenant_id)
      .Bind(3, s.url)
      .Bind(4, EventsText(s.events))
      .Bind(5, s.headers_json)
      .Bind(6, s.kind)
      .Bind(7, s.secret_sealed)
      .Bind(8, s.previous_secret_sealed)
      .Bind(9, s.previous_secret_expires_at)
      .Bind(10, int64_t{s.enabled})
      .Bind(11, int64_t{s.ordered})
      .Bind(12, s.disabled_reason)
      .Bind(13, s.failing_since)
      .Bind(14, s.created_at)
      .Bind(15, s.updated_at)
      .Run();
}

std::optional<SubscriptionRecord> GetSubscription(Connection& c, const std::string& id) {
  Statement s = c.Prepare(std::string("SELECT ") + kSubscriptionColumns + " FROM subscriptions WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadSubscription(s);
}

std::vector<SubscriptionRecord> ListSubscriptions(Connection& c, const std::optional<std::string>& tenant_id) {
  Statement s = c.Prepare(std::string("SELECT ") + kSubscriptionColumns +
                          " FROM subscriptions WHERE (?1 IS NULL OR tenant_id = ?1) ORDER BY created_at, id");
  s.Bind(1, tenant_id);
  std::vector<SubscriptionRecord> out;
  while (s.Step()) out.push_back(ReadSubscription(s));
  return out;
}

void UpdateSubscription(Connection& c, const SubscriptionRecord& s) {
  c.Prepare(
       "UPDATE subscriptions SET url = ?, events = ?, headers = ?, kind = ?, secret_sealed = ?, "
       "previous_secret_sealed = ?, previous_secret_expires_at = ?, enabled = ?, ordered = ?, disabled_reason = ?, "
       "failing_since = ?, updated_at = ? WHERE id = ?")
      .Bind(1, s.url)
      .Bind(2, EventsText(s.events))
      .Bind(3, s.headers_json)
      .Bind(4, s.kind)
      .Bind(5, s.secret_sealed)
      .Bind(6, s.previous_secret_sealed)
      .Bind(7, s.previous_secret_expires_at)
      .Bind(8, int64_t{s.enabled})
      .Bind(9, int64_t{s.ordered})
      .Bind(10, s.disabled_reason)
      .Bind(11, s.failing_since)
      .Bind(12, s.updated_at)
      .Bind(13, s.id)
      .Run();
}

bool DeleteSubscription(Connection& c, const std::string& id) {
  c.Prepare("DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE subscription_id = ?)")
      .Bind(1, id)
      .Run();
  c.Prepare("DELETE FROM deliveries WHERE subscription_id = ?").Bind(1, id).Run();
  c.Prepare("DELETE FROM subscriptions WHERE id = ?").Bind(1, id).Run();
  return c.Changes() > 0;
}

std::vector<DueDelivery> Due(Connection& c, const std::string& subscription_id, bool ordered, int64_t now_ms,
                             int64_t limit) {
  // Ordered: only the head of each conversation's pending deliveries, due or not, may go.
  Statement s = c.Prepare(
      ordered ? "SELECT d.id, e.webhook_id, d.event_type, e.payload, e.created_at, d.retry_index, e.tenant_id FROM "
                "deliveries d "
                "JOIN events e ON e.id = d.event_id WHERE d.subscription_id = ?1 AND d.status = 'pending' "
                "AND d.next_attempt_at <= ?2 AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE "
                "p.subscription_id = ?1 AND p.ordering_key = d.ordering_key AND p.status = 'pending' AND p.id < d.id) "
                "ORDER BY d.id LIMIT ?3"
              : "SELECT d.id, e.webhook_id, d.event_type, e.payload, e.created_at, d.retry_index, e.tenant_id FROM "
                "deliveries d "
                "JOIN events e ON e.id = d.event_id WHERE d.subscription_id = ?1 AND d.status = 'pending' "
                "AND d.next_attempt_at <= ?2 ORDER BY d.next_attempt_at, d.id LIMIT ?3");
  s.Bind(1, subscription_id).Bind(2, now_ms).Bind(3, limit);
  std::vector<DueDelivery> out;
  while (s.Step()) {
    DueDelivery d;
    d.id = s.Int(0);
    d.webhook_id = s.Text(1);
    d.event_type = s.Text(2);
    d.payload = s.Text(3);
    d.event_at_ms = s.Int(4);
    d.retry_index = s.Int(5);
    d.tenant_id = s.Text(6);
    out.push_back(std::move(d));
  }
  return out;
}

void RecordAttempt(Connection& c, const AttemptOutcome& o, int64_t now_ms) {
  // Only a pending delivery takes an attempt's outcome (a delivery replayed meanwhile is pending too,
  // which is harmless: the answer still says whether the endpoint took the event).
  const char* status = o.succeeded ? "succeeded" : (o.next_attempt_at ? "pending" : "failed");
  c.Prepare(
       "UPDATE deliveries SET attempts = attempts + 1, retry_index = retry_index + 1, status = ?, "
       "next_attempt_at = ?, finished_at = ? WHERE id = ? AND status = 'pending'")
      .Bind(1, status)
      .Bind(2, o.next_attempt_at.value_or(now_ms))
      .Bind(3, o.succeeded || !o.next_attempt_at ? std::optional<int64_t>(now_ms) : std::nullopt)
      .Bind(4, o.delivery_id)
      .Run();
  if (c.Changes() == 0) return;
  // Read back rather than with RETURNING (a temporary b-tree per call, as in message_repo::Claim).
  Statement u = c.Prepare("SELECT attempts FROM deliveries WHERE id = ?");
  u.Bind(1, o.delivery_id);
  if (!u.Step()) return;
  int64_t n = u.Int(0);
  c.Prepare(
       "INSERT INTO delivery_attempts(delivery_id, n, at, status_code, latency_ms, error_class, response_excerpt) "
       "VALUES (?,?,?,?,?,?,?)")
      .Bind(1, o.delivery_id)
      .Bind(2, n)
      .Bind(3, o.attempt.at_ms)
      .Bind(4, int64_t{o.attempt.status_code})
      .Bind(5, o.attempt.latency_ms)
      .Bind(6, o.attempt.error_class)
      .Bind(7, o.attempt.response_excerpt)
      .Run();
}

std::vector<DeliveryRecord> ListDeliveries(Connection& c, const DeliveryFilter& f) {
  std::string sql = std::string("SELECT ") + kDeliveryColumns +
                    " FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.subscription_id = ?1";
  if (f.status) sql += " AND d.status = ?2";
  if (f.event_type) sql += " AND d.event_type = ?3";
  if (f.since_ms) sql += " AND d.created_at >= ?4";
  if (f.before_id) sql += " AND d.id < ?5";
  sql += " ORDER BY d.id DESC LIMIT ?6";
  Statement s = c.Prepare(sql);
  s.Bind(1, f.subscription_id)
      .Bind(2, f.status ? std::optional<std::string>(ToString(*f.status)) : std::nullopt)
      .Bind(3, f.event_type)
      .Bind(4, f.since_ms)
      .Bind(5, f.before_id)
      .Bind(6, f.limit);
  std::vector<DeliveryRecord> out;
  while (s.Step()) out.push_back(ReadDelivery(s));
  for (auto& d : out) d.attempts = Attempts(c, d.id);
  return out;
}

std::optional<DeliveryRecord> GetDelivery(Connection& c, const std::string& subscription_id, int64_t id) {
  Statement s = c.Prepare(std::string("SELECT ") + kDeliveryColumns +
                          " FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ? AND "
                          "d.subscription_id = ?");
  s.Bind(1, id).Bind(2, subscription_id);
  if (!s.Step()) return std::nullopt;
  DeliveryRecord d = ReadDelivery(s);
  d.attempts = Attempts(c, d.id);
  return d;
}

bool Replay(Connection& c, const std::string& subscription_id, int64_t id, int64_t now_ms) {
  c.Prepare(
       "UPDATE deliveries SET status = 'pending', retry_index = 0, next_attempt_at = ?, finished_at = NULL "
       "WHERE id = ? AND subscription_id = ? AND status != 'pending'")
      .Bind(1, now_ms)
      .Bind(2, id)
      .Bind(3, subscription_id)
      .Run();
  return c.Changes() > 0;
}

int64_t ReplayAll(Connection& c, const std::string& subscription_id, int64_t since_ms, DeliveryStatus status,
                  int64_t now_ms) {
  c.Prepare(
       "UPDATE deliveries SET status = 'pending', retry_index = 0, next_attempt_at = ?, finished_at = NULL "
       "WHERE subscription_id = ? AND status = ? AND created_at >= ?")
      .Bind(1, now_ms)
      .Bind(2, subscription_id)
      .Bind(3, ToString(status))
      .Bind(4, since_ms)
      .Run();
  return c.Changes();
}

int64_t Prune(Connection& c, int64_t before_ms, int64_t max_rows) {
  // Finished deliveries through their index (deliveries_finished), with their attempts.
  std::vector<int64_t> finished;
  {
    Statement s = c.Prepare(
        "SELECT id FROM deliveries WHERE status != 'pending' AND finished_at < ? ORDER BY finished_at LIMIT ?");
    s.Bind(1, before_ms).Bind(2, max_rows);
    while (s.Step()) finished.push_back(s.Int(0));
  }
  for (int64_t id : finished) {
    c.Prepare("DELETE FROM delivery_attempts WHERE delivery_id = ?").Bind(1, id).Run();
    c.Prepare("DELETE FROM deliveries WHERE id = ?").Bind(1, id).Run();
  }
  // Events no delivery needs any more, oldest first by insertion order (age_prune.hpp).
  constexpr std::string_view kUnneeded = "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)";
  int64_t last = LastOldRowid(c, "events", "created_at", kUnneeded, before_ms, max_rows);
  int64_t events = 0;
  if (last > 0) {
    c.Prepare("DELETE FROM events WHERE id <= ? AND created_at < ? AND " + std::string(kUnneeded))
        .Bind(1, last)
        .Bind(2, before_ms)
        .Run();
    events = c.Changes();
  }
  return static_cast<int64_t>(finished.size()) + events;
}

void DeleteTenant(Connection& c, const std::string& tenant_id) {
  for (const auto& s : ListSubscriptions(c, tenant_id)) DeleteSubscription(c, s.id);
  c.Prepare("DELETE FROM presend_hooks WHERE tenant_id = ?").Bind(1, tenant_id).Run();
}

void InsertHook(Connection& c, const PresendHookRecord& h) {
  c.Prepare(
       "INSERT INTO presend_hooks(id, tenant_id, outlet_id, url, secret_sealed, timeout_ms, failure_policy, "
       "created_at) VALUES (?,?,?,?,?,?,?,?)")
      .Bind(1, h.id)
      .Bind(2, h.tenant_id)
      .Bind(3, h.outlet_id)
      .Bind(4, h.url)
      .Bind(5, h.secret_sealed)
      .Bind(6, h.timeout_ms)
      .Bind(7, h.failure_policy)
      .Bind(8, h.created_at)
      .Run();
}

std::vector<PresendHookRecord> ListHooks(Connection& c, const std::optional<std::string>& tenant_id) {
  Statement s = c.Prepare(
      "SELECT id, tenant_id, outlet_id, url, secret_sealed, timeout_ms, failure_policy, created_at FROM "
      "presend_hooks WHERE (?1 IS NULL OR tenant_id = ?1) ORDER BY created_at, id");
  s.Bind(1, tenant_id);
  std::vector<PresendHookRecord> out;
  while (s.Step()) {
    PresendHookRecord h;
    h.id = s.Text(0);
    h.tenant_id = s.Text(1);
    h.outlet_id = s.OptText(2);
    h.url = s.Text(3);
    h.secret_sealed = s.Text(4);
    h.timeout_ms = s.Int(5);
    h.failure_policy = s.Text(6);
    h.created_at = s.Int(7);
    out.push_back(std::move(h));
  }
  return out;
}

bool DeleteHook(Connection& c, const std::optional<std::string>& tenant_id, const std::string& id) {
  c.Prepare("DELETE FROM presend_hooks WHERE id = ?1 AND (?2 IS NULL OR tenant_id = ?2)")
      .Bind(1, id)
      .Bind(2, tenant_id)
      .Run();
  return c.Changes() > 0;
}

}  // namespace wagate::store::sqlite::event_repo
