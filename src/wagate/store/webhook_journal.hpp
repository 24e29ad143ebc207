// The durable journal of Meta's webhook bodies: appended before answering 200, then applied in order,
// each body exactly once, in the same write that applies what it says. Backend-neutral.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/inbound_message.hpp"
#include "wagate/core/result.hpp"
#include "wagate/core/status_event.hpp"
#include "wagate/store/template_store.hpp"

namespace wagate::store {

struct JournalEntry {
  int64_t id = 0;
  std::string body;
  std::optional<std::string> signature;  // X-Hub-Signature-256; nullopt: journaled before signatures were kept
};

// A customer's message (or reaction) to a known outlet whose app secret signed the payload.
struct InboundWrite {
  std::string id;  // "in_…", derived from (outlet, wamid): every redelivery names it the same
  std::string tenant_id;
  std::string outlet_id;
  core::InboundMessage message;
  bool opt_out = false;  // the customer asked to receive no more campaigns (an opt-out word): suppress them
};

// The newest value of another webhook field for an outlet (phone_number_quality_update, …).
struct AccountSignal {
  std::string outlet_id;
  std::string field;
  int64_t at_ms = 0;  // Meta's time: an older signal never replaces a newer one
  std::string value;  // JSON, as Meta sent it
};

// What one journaled body means, as the processor parsed and authorised it.
struct JournalApplication {
  int64_t journal_id = 0;
  std::vector<core::StatusEvent> statuses;  // of known, authorised outlets only
  std::vector<InboundWrite> messages;       // customers' messages and reactions
  std::vector<TemplateStatusChange> template_statuses;
  std::vector<AccountSignal> signals;
  std::vector<std::string> tenant_ids;          // whose outlets it touched: who may see its outcome
  std::map<std::string, int64_t> skipped;       // parts left out before the store, by reason
  std::map<std::string, int64_t> other_events;  // counted but not stored (system messages, …), by kind
};

// What applying one body did. Backends fill it; DecideOutcome turns it into the recorded outcome.
struct ApplyCounts {
  int64_t messages = 0;   // new customer messages
  int64_t reactions = 0;  // reactions that changed what a message shows
  int64_t statuses = 0;   // statuses that moved a message, or brought its first pricing
  int64_t template_statuses = 0;
  int64_t signals = 0;
  int64_t duplicates = 0;                  // events seen before (Meta's redeliveries): applied once already
  std::map<std::string, int64_t> skipped;  // by reason: unknown_phone_number_id, unknown_message, …
  std::map<std::string, int64_t> other_events;
};

// The per-payload outcome the journal shows: "applied" (something new took effect), "skipped" (nothing
// did: every part a duplicate or skipped, `reason` the main one), "rejected" (refused at the door,
// never journaled: bad signature, unknown numbers, malformed), or "pending" (not processed yet).
struct WebhookEventRecord {
  int64_t id = 0;
  int64_t received_at = 0;
  std::optional<int64_t> processed_at;
  std::string outcome;
  std::optional<std::string> reason;
  std::string details = "{}";  // JSON: the ApplyCounts
  int64_t bytes = 0;
};

struct WebhookEventFilter {
  std::optional<std::string> tenant_id;  // only payloads that touched this tenant's outlets
  std::optional<std::string> outcome;
  std::optional<int64_t> before_id;  // keyset: newest first
  int64_t limit = 50;
};

// Thread-safe. Callbacks run on a store thread and must be quick.
class WebhookJournal {
 public:
  virtual ~WebhookJournal() = default;

  // `done` runs once the body is durable (then, and only then, may Meta hear 200).
  // `done` gets the entry's id. `tenant_ids`: whose outlets signed it, who may see it (also while pending).
  virtual void Append(std::string body, std::string signature, std::vector<std::string> tenant_ids, int64_t now_ms,
                      std::function<void(core::Result<int64_t>)> done) = 0;
  // A delivery refused at the door (never journaled), kept for GET /api/v1/webhook-events. Best effort.
  virtual void RecordRejected(std::string reason, int64_t bytes, std::vector<std::string> tenant_ids,
                              int64_t now_ms) = 0;
  // The oldest entries not applied yet, in journal order.
  [[nodiscard]] virtual std::vector<JournalEntry> Unprocessed(int64_t limit) = 0;
  // Applies the entries and marks them processed with their outcome, all in one durable write, so
  // each entry is applied exactly once even across a crash. Every event is idempotent, and the end
  // state does not depend on the order events arrive in:
  // - statuses follow core/status_rules (forward only; a status for a message not known yet is kept
  //   as an orphan and applied when the send is recorded); only messages of the outlet owning the
  //   status's phone_number_id match;
  // - a customer message is stored once per (outlet, wamid) in its conversation (created on first
  //   contact), counting as unread unless it is a reaction; the conversation's last message, profile
  //   name and last inbound time follow Meta's timestamps, not arrival;
  // - a reaction is the newest per (outlet, message, customer) by Meta's time (ties: the larger
  //   reaction wamid); "" removes. One for a message the gateway never saw is kept (it may arrive
  //   later) and counted as skipped `unknown_message`;
  // - an account signal replaces the outlet's value of that field only if it is not older.
  // Answers what each entry did, in batch order.
  [[nodiscard]] virtual core::Result<std::vector<ApplyCounts>> Apply(const std::vector<JournalApplication>& batch,
                                                                     int64_t now_ms) = 0;
  // Newest first.
  [[nodiscard]] virtual std::vector<WebhookEventRecord> ListEvents(const WebhookEventFilter& filter) = 0;
  // Forgets applied entries and unmatched orphan statuses received before `before_ms`, and
  // idempotency keys created before `keys_before_ms`: the oldest first, at most `max_rows` of each
  // kind per call, so a call holds the store briefly however much is due. Answers how many rows it
  // forgot (0: nothing more is due); a caller repeats while there were some.
  virtual int64_t Prune(int64_t before_ms, int64_t keys_before_ms, int64_t max_rows) = 0;
};

}  // namespace wagate::store
