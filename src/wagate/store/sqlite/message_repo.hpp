// SQL of the messages table: SqliteMessageStore's internals (insert, claim, outcomes, statuses, queries).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "wagate/core/status_event.hpp"
#include "wagate/store/message_store.hpp"
#include "wagate/store/records.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::message_repo {

// `conversation_ref`: the conversation (conversations.id) the message belongs to, if any.
void Insert(Connection& c, const MessageRecord& m, const std::optional<std::string>& conversation_ref);
std::optional<MessageRecord> Get(Connection& c, const std::string& id);

std::vector<MessageRecord> List(Connection& c, const MessageListFilter& f);

// queued → sending, attempts+1. nullopt when the message is no longer queued (settled meanwhile), when
// its validity ended (it fails now, reason expired), or when its campaign is not running (it stays queued).
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

enum class ApplyResult { kApplied, kIgnored, kOrphaned };
// Only messages sent from the outlet owning `phone_number_id` can match: another outlet's signed
// webhook can never touch them.
// Moves the message forward if the rules allow (core::CanAdvance); duplicates and late events are
// ignored; events for a message not known yet are kept as orphans and applied by MarkSent.
ApplyResult ApplyStatus(Connection& c, const core::StatusEvent& e, int64_t now_ms);

// Everything the engine must resume after a start: queued messages and in-doubt (sending) ones,
// streamed row by row (a million queued messages must not mean a million rows held at once).
void ForEachPending(Connection& c, const std::function<void(PendingMessage&&)>& visit);

std::vector<MessageRecord> ListDeadLetters(Connection& c, const DeadLetterFilter& f);
// failed → queued with a fresh retry budget, only for messages Meta never accepted (no wamid), so a
// retry can never send a message twice; and unknown (in doubt) → queued, which an operator chooses
// knowingly: Meta may have the first request, so the customer may get the message twice. False when
// the message is not such a dead letter.
bool Requeue(Connection& c, const std::string& id, int64_t now_ms);

}  // namespace wagate::store::sqlite::message_repo
