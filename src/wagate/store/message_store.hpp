// Messages and their send queue: acceptance (idempotency, quota, insert), the engine's claims and
// outcomes, delivery statuses, and the queries of the status and dead-letter APIs. Backend-neutral:
// implementations live under store/<backend>/ and pass store/conformance/message_store_conformance.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/core/status_event.hpp"
#include "wagate/store/records.hpp"

namespace wagate::store {

struct AcceptRequest {
  MessageRecord message;  // status queued, with its id, created_at and next_attempt_at set
  std::optional<std::string> idempotency_key;
  std::string request_hash;      // of the request body: tells a retry from a different request
  bool counts_for_quota = true;  // false for what reaches no customer (mark as read)
  std::string month;             // the quota period ("2026-12")
};

struct AcceptResult {
  MessageRecord message;   // as stored; for a duplicate the original, as it stands now
  bool duplicate = false;  // the key was seen before with the same request hash: nothing inserted
};

// What the engine needs to send a claimed message.
struct ClaimedSend {
  std::string graph_request;
  std::string outlet_id;
  int64_t attempts = 0;  // including this one
};

struct ClaimRequest {
  std::string message_id;
  bool business_initiated = false;  // sent outside the customer's service window
};

// The engine's verdict on one attempt.
struct SendOutcome {
  enum class Kind { kSent, kRetry, kFailed };
  std::string message_id;
  Kind kind = Kind::kSent;
  std::string wamid;                           // kSent; empty for answers that carry none (mark as read)
  int64_t next_attempt_ms = 0;                 // kRetry
  GraphError error;                            // kRetry, kFailed
  std::optional<std::string> deferred_reason;  // kRetry: why it waits (throttled, pair_rate), for the status API
};

struct MessageListFilter {
  std::optional<std::string> tenant_id;
  std::optional<std::string> conversation_id;  // the caller's, as given to the send API
  std::optional<std::string> outlet_id;
  std::optional<std::string> status;
  int64_t limit = 100;
};

// Dead letters, newest first: failed messages, and messages left `unknown` after a crash (in doubt:
// the request may have reached Meta, and no status webhook settled it). Their time is failed_at, or
// for an in-doubt message when its last attempt was claimed.
struct DeadLetterFilter {
  std::optional<std::string> tenant_id;
  std::optional<std::string> outlet_id;
  std::optional<int64_t> error_code;
  std::optional<int64_t> since_ms, until_ms;  // on the dead letter's time
  std::optional<std::string> reason;          // "failed" or "in_doubt"; both when absent
  int64_t limit = 100;
};

struct PendingMessage {
  std::string id;
  std::string outlet_id;
  core::MessageStatus status = core::MessageStatus::kQueued;  // queued or sending
  int64_t next_attempt_at = 0;
  std::string to_number;
  int64_t priority = 0;
};

// Thread-safe. Writes are durable when they return (or when their callback runs); a write that fails
// because the disk is full or failing fails with kUnavailable `storage_unavailable`, having stored
// nothing. Callbacks run on a store thread and must be quick and never block.
class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Idempotency, quota and insert as one unit. Guarantees, also under concurrent calls:
  // - per (tenant, idempotency_key) exactly one message is ever inserted; a repeat with the same
  //   request hash answers the original (duplicate), with another hash kConflict `idempotency_conflict`;
  // - the tenant's monthly quota never overshoots: counted and checked atomically with the insert
  //   (kQuotaExceeded `quota_exceeded`); an unknown tenant is kNotFound;
  // - a message to a customer (everything but mark_read) joins the conversation with that customer
  //   (ConversationStore), created if it is the first, in the same write.
  // `done` runs once the message is committed, or refused.
  virtual void Accept(AcceptRequest request, std::function<void(core::Result<AcceptResult>)> done) = 0;

  [[nodiscard]] virtual std::optional<MessageRecord> Get(const std::string& id) = 0;
  // Newest first.
  [[nodiscard]] virtual std::vector<MessageRecord> List(const MessageListFilter& filter) = 0;
  [[nodiscard]] virtual std::vector<MessageRecord> ListDeadLetters(const DeadLetterFilter& filter) = 0;
  // Everything the engine must resume after a start: queued and in-doubt (sending) messages, oldest
  // first, streamed (a million queued messages never means a million rows held at once).
  virtual void ForEachPending(const std::function<void(PendingMessage&&)>& visit) = 0;

  // queued → sending with attempts + 1, for the whole batch in one durable write, before any request
  // leaves. Each message is claimed exactly once: nullopt for one that is no longer queued.
  [[nodiscard]] virtual core::Result<std::vector<std::optional<ClaimedSend>>> ClaimBatch(
      const std::vector<ClaimRequest>& claims, int64_t now_ms) = 0;
  // Records the attempts' outcomes in one durable write (only messages still `sending` change):
  // kSent → sent (statuses that arrived before, kept as orphans, are applied now); kRetry → queued
  // again; kFailed → failed, unless a status webhook had already reported the message sent: then it
  // stays as the webhook left it, and the answer at that index is the message as it stands.
  [[nodiscard]] virtual core::Result<std::vector<std::optional<MessageRecord>>> RecordOutcomes(
      const std::vector<SendOutcome>& outcomes, int64_t now_ms) = 0;
  // Why queued messages wait (shown by the status API; cleared by the next claim). Best effort.
  virtual void SetDeferredReason(std::vector<std::string> ids, const std::string& reason) = 0;
  // An in-doubt (`sending`) message no webhook settled: `unknown`, or back to `queued` to be sent
  // again. kNotFound when it is no longer sending (a webhook settled it meanwhile).
  virtual void ResolveInDoubt(const std::string& id, bool resend, int64_t now_ms,
                              std::function<void(core::Result<MessageRecord>)> done) = 0;
  // Dead letters back to queued with a fresh retry budget: failed ones only if Meta never accepted
  // them (no wamid), so a retry never sends a message twice; unknown (in doubt) ones knowingly.
  // `done` gets the ids that were requeued.
  virtual void Requeue(std::vector<std::string> ids, int64_t now_ms,
                       std::function<void(core::Result<std::vector<std::string>>)> done) = 0;
};

}  // namespace wagate::store
