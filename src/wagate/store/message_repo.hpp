// Messages: insert, claim for sending, record outcomes, apply status events (monotonic), query.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "wagate/store/records.hpp"
#include "wagate/store/sqlite.hpp"

namespace wagate::store::message_repo {

void Insert(Connection& c, const MessageRecord& m);
std::optional<MessageRecord> Get(Connection& c, const std::string& id);

struct ListFilter {
  std::optional<std::string> tenant_id;
  std::optional<std::string> outlet_id;
  std::optional<std::string> status;
  int64_t limit = 100;
};
std::vector<MessageRecord> List(Connection& c, const ListFilter& f);

// What the engine needs to send a claimed message.
struct ClaimedSend {
  std::string graph_request;
  std::string outlet_id;
  int64_t attempts = 0;  // including this one
};
// queued → sending, attempts+1. nullopt when the message is no longer queued (settled meanwhile).
std::optional<ClaimedSend> Claim(Connection& c, const std::string& id, int64_t now_ms, bool business_initiated = false);

// Graph accepted the request. Applies statuses that arrived earlier for this wamid.
void MarkSent(Connection& c, const std::string& id, const std::string& wamid, int64_t now_ms);
// Back to queued for a later attempt (only from sending); keeps the last error for the status API.
void ScheduleRetry(Connection& c, const std::string& id, int64_t next_attempt_ms, const GraphError& error,
                   int64_t now_ms, const char* deferred_reason = nullptr);
// Why a queued message waits (shown by the status API); cleared when it is claimed.
void SetDeferredReason(Connection& c, const std::string& id, const std::string& reason);
// Failed for good (only from queued/sending/unknown).
void MarkFailed(Connection& c, const std::string& id, const GraphError& error, int64_t now_ms);
// An in-doubt message that no webhook settled: `unknown`, or back to `queued` to be sent again.
bool ResolveInDoubt(Connection& c, const std::string& id, bool resend, int64_t now_ms);

// One status from a Meta webhook.
struct StatusEvent {
  std::string phone_number_id;  // the business number of the change (metadata): only its messages match
  std::string wamid;
  std::optional<std::string> message_id;  // from biz_opaque_callback_data
  core::MessageStatus status = core::MessageStatus::kSent;
  int64_t at_ms = 0;
  std::optional<GraphError> error;
};
enum class ApplyResult { kApplied, kIgnored, kOrphaned };
// Only messages sent from the outlet owning `phone_number_id` can match: another outlet's signed
// webhook can never touch them.
// Moves the message forward if the rules allow (core::CanAdvance); duplicates and late events are
// ignored; events for a message not known yet are kept as orphans and applied by MarkSent.
ApplyResult ApplyStatus(Connection& c, const StatusEvent& e, int64_t now_ms);

struct PendingMessage {
  std::string id;
  std::string outlet_id;
  core::MessageStatus status;  // queued or sending
  int64_t next_attempt_at = 0;
  std::string to_number;
  int64_t priority = 0;
};
// Everything the engine must resume after a start: queued messages and in-doubt (sending) ones,
// streamed row by row (a million queued messages must not mean a million rows held at once).
void ForEachPending(Connection& c, const std::function<void(PendingMessage&&)>& visit);

// Dead letters, newest first: failed messages, and messages left `unknown` after a crash (in doubt:
// the request may have reached Meta, and no status webhook settled it). Their time is failed_at, or
// for an in-doubt message when its last attempt was claimed.
struct DeadLetterFilter {
  std::optional<std::string> tenant_id;
  std::optional<std::string> outlet_id;
  std::optional<int64_t> error_code;
  std::optional<int64_t> since_ms, until_ms;  // on the dead letter's time
  std::optional<std::string> reason;         // "failed" or "in_doubt"; both when absent
  int64_t limit = 100;
};
std::vector<MessageRecord> ListDeadLetters(Connection& c, const DeadLetterFilter& f);
// failed → queued with a fresh retry budget, only for messages Meta never accepted (no wamid), so a
// retry can never send a message twice; and unknown (in doubt) → queued, which an operator chooses
// knowingly: Meta may have the first request, so the customer may get the message twice. False when
// the message is not such a dead letter.
bool Requeue(Connection& c, const std::string& id, int64_t now_ms);

}  // namespace wagate::store::message_repo
