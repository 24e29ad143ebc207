// Outgoing events: tenants' subscriptions, the durable outbox (one delivery per event and matching
// subscription, with its attempt log), and pre-send hooks. Backend-neutral: implementations live under
// store/<backend>/ and pass store/conformance/event_store_conformance.hpp.
//
// Events are written by the other stores, inside the transaction of the change that caused them
// (MessageStore::Accept → message.queued, RecordOutcomes → message.sent / message.failed,
// WebhookJournal::Apply → message.delivered/read/failed/received/reaction, conversation.updated,
// ConversationStore::MarkRead → conversation.updated): no event without its change, no change
// without its event. An event nobody subscribed to (when it happened) is not stored at all.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::store {

// A subscription of this tenant takes the events of every tenant: the broker's event feed
// (broker/event_publisher), the gateway's own, never a tenant's.
inline constexpr const char* kEveryTenant = "*";

// Secrets are sealed (security/secret_box), as for outlets.
struct SubscriptionRecord {
  std::string id;
  std::string tenant_id;
  std::string url;
  std::vector<std::string> events;  // event types, "message.*"-style prefixes, or "*"
  std::string headers_json = "{}";  // custom headers sent with every delivery: {"name": "value"}
  std::string kind = "webhook";     // webhook | conversation_service | broker (published, not posted)
  std::string secret_sealed;
  std::optional<std::string> previous_secret_sealed;  // still signs while a rotation overlaps
  std::optional<int64_t> previous_secret_expires_at;  // until then
  bool enabled = true;
  bool ordered = false;                        // per-conversation order at this endpoint
  std::optional<std::string> disabled_reason;  // set when the gateway disabled it
  std::optional<int64_t> failing_since;        // first failed attempt since the last success
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One event, as written with the change that caused it.
struct OutboxEvent {
  std::string tenant_id;
  std::string type;          // message.sent, …
  std::string ordering_key;  // the conversation (outlet + customer): what `ordered` keeps in order
  std::string payload;       // the whole JSON body every subscriber gets: {"type", "timestamp", "data"}
  int64_t at_ms = 0;
};

struct DeliveryAttempt {
  int64_t at_ms = 0;
  int status_code = 0;  // 0 when no HTTP answer came
  int64_t latency_ms = 0;
  std::string error_class;       // "" for an answer; timeout, connect, dns, forbidden_target, http_status, …
  std::string response_excerpt;  // the answer's first bytes
};

enum class DeliveryStatus { kPending, kSucceeded, kFailed };
const char* ToString(DeliveryStatus s);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view s);

struct DeliveryRecord {
  int64_t id = 0;
  std::string subscription_id;
  std::string webhook_id;  // the event's id: the same for every retry and replay
  std::string event_type;
  DeliveryStatus status = DeliveryStatus::kPending;
  int64_t attempt_count = 0;
  int64_t next_attempt_at = 0;
  int64_t created_at = 0;
  std::optional<int64_t> finished_at;
  std::vector<DeliveryAttempt> attempts;  // oldest first
};

// A delivery the deliverer may attempt now.
struct DueDelivery {
  int64_t id = 0;
  std::string tenant_id;  // the event's
  std::string webhook_id;
  std::string event_type;
  std::string payload;
  int64_t event_at_ms = 0;
  int64_t retry_index = 0;  // attempts since it was created or last replayed
};

struct AttemptOutcome {
  int64_t delivery_id = 0;
  std::string subscription_id;
  DeliveryAttempt attempt;
  bool succeeded = false;
  std::optional<int64_t> next_attempt_at;  // a failure with an attempt left; nullopt → failed for good
};

struct DeliveryFilter {
  std::string subscription_id;
  std::optional<DeliveryStatus> status;
  std::optional<std::string> event_type;
  std::optional<int64_t> since_ms;   // created at or after
  std::optional<int64_t> before_id;  // keyset cursor: newest first, strictly older than this id
  int64_t limit = 50;
};

struct PresendHookRecord {
  std::string id;
  std::string tenant_id;
  std::optional<std::string> outlet_id;  // nullopt: every outlet of the tenant without its own hook
  std::string url;
  std::string secret_sealed;
  int64_t timeout_ms = 2000;
  std::string failure_policy = "fail_open";  // fail_open | fail_closed
  int64_t created_at = 0;
};

// Thread-safe; writes are durable when they return.
class EventStore {
 public:
  virtual ~EventStore() = default;

  [[nodiscard]] virtual core::Status CreateSubscription(const SubscriptionRecord& s) = 0;
  // tenant_id nullopt: any tenant's (admin). Another tenant's subscription is not found.
  [[nodiscard]] virtual std::optional<SubscriptionRecord> GetSubscription(const std::optional<std::string>& tenant_id,
                                                                          const std::string& id) = 0;
  [[nodiscard]] virtual std::vector<SubscriptionRecord> ListSubscriptions(
      const std::optional<std::string>& tenant_id) = 0;
  // Reads, changes and writes it in one unit (kNotFound if missing or another tenant's).
  [[nodiscard]] virtual core::Result<SubscriptionRecord> UpdateSubscription(
      const std::optional<std::string>& tenant_id, const std::string& id,
      const std::function<void(SubscriptionRecord&)>& change) = 0;
  // With its deliveries.
  [[nodiscard]] virtual core::Status DeleteSubscription(const std::optional<std::string>& tenant_id,
                                                        const std::string& id) = 0;

  // An event not caused by another store's change (a test ping): delivered to that subscription only.
  [[nodiscard]] virtual core::Result<int64_t> PublishTo(const std::string& subscription_id,
                                                        const OutboxEvent& event) = 0;

  // Pending deliveries of a subscription due at `now_ms`, oldest first, at most `limit`. For an ordered
  // subscription only the oldest pending delivery of each conversation (a failing one holds back the
  // later ones of its conversation, and only those). Only durable deliveries: the caller sends them
  // out, and no crash or power cut may take back an event someone already received.
  [[nodiscard]] virtual std::vector<DueDelivery> DueDeliveries(const std::string& subscription_id, bool ordered,
                                                               int64_t now_ms, int64_t limit) = 0;
  // Records attempts in one write: the log, the delivery's state, the subscription's failing_since.
  // A subscription whose failures have lasted `disable_after_ms` is disabled in the same write and
  // a `subscription.disabled` event (built by `disabled_event`) goes to the tenant's other
  // subscriptions. Returns the ids of the subscriptions it disabled.
  [[nodiscard]] virtual core::Result<std::vector<std::string>> RecordAttempts(
      const std::vector<AttemptOutcome>& outcomes, int64_t now_ms, int64_t disable_after_ms,
      const std::function<OutboxEvent(const SubscriptionRecord&)>& disabled_event) = 0;

  // Newest first.
  [[nodiscard]] virtual std::vector<DeliveryRecord> ListDeliveries(const DeliveryFilter& filter) = 0;
  [[nodiscard]] virtual std::optional<DeliveryRecord> GetDelivery(const std::string& subscription_id, int64_t id) = 0;
  // Back to pending, due now, with a fresh retry schedule; the same webhook id. kNotFound if unknown,
  // kConflict if it is still pending.
  [[nodiscard]] virtual core::Result<DeliveryRecord> Replay(const std::string& subscription_id, int64_t id,
                                                            int64_t now_ms) = 0;
  // Every delivery of the subscription created since `since_ms` and in `status` (succeeded or failed)
  // back to pending. Returns how many.
  [[nodiscard]] virtual core::Result<int64_t> ReplayAll(const std::string& subscription_id, int64_t since_ms,
                                                        DeliveryStatus status, int64_t now_ms) = 0;
  // Succeeded and failed deliveries (and their events, once no delivery needs them) finished before
  // `before_ms`: the oldest first, at most `max_rows` of each per call, so a call holds the store
  // briefly however much is due. Answers how many rows it forgot (0: nothing more is due).
  virtual int64_t Prune(int64_t before_ms, int64_t max_rows) = 0;

  [[nodiscard]] virtual core::Status CreateHook(const PresendHookRecord& h) = 0;
  [[nodiscard]] virtual std::vector<PresendHookRecord> ListHooks(const std::optional<std::string>& tenant_id) = 0;
  [[nodiscard]] virtual core::Status DeleteHook(const std::optional<std::string>& tenant_id, const std::string& id) = 0;
};

}  // namespace wagate::store
