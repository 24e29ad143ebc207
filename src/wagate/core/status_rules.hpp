// The status state machine of a sent message, decided here and only here: every store backend reads
// the message, asks DecideStatus, and writes the answer conditionally (only if the status it read is
// still the current one), so no backend can drift from these rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wagate/core/graph_error.hpp"
#include "wagate/core/message_status.hpp"
#include "wagate/core/status_event.hpp"

namespace wagate::core {

// What a status decision needs to know of the stored message.
struct StatusState {
  MessageStatus status = MessageStatus::kQueued;
  std::optional<int64_t> sent_at, delivered_at, read_at, failed_at;
  std::optional<GraphError> error;
};

// Which stored message a status event is for.
struct StatusMatch {
  std::string message_id;
  std::optional<std::string> wamid;  // as stored; nullopt until Graph's answer or a webhook names it
  StatusState state;
};

// The callback id (our message id echoed by Meta) is trusted only when that message has no wamid yet
// or the same one: a callback id that names another message's wamid is ignored, and the wamid decides.
bool TrustCallbackMatch(const StatusMatch& by_callback_id, const StatusEvent& e);

// The message's state after `e`, or nullopt when `e` does not move it: forward only (CanAdvance),
// `failed` terminal and only below `delivered`; a later event fills the earlier timestamps Meta
// skipped (read implies delivered implies sent), never earlier than the ones it already has; an
// event's missing timestamp (at_ms <= 0) is `now_ms`.
std::optional<StatusState> DecideStatus(const StatusState& current, const StatusEvent& e, int64_t now_ms);

}  // namespace wagate::core
