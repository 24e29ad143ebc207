#include "wagate/core/status_rules.hpp"

#include <algorithm>

namespace wagate::core {

bool TrustCallbackMatch(const StatusMatch& by_callback_id, const StatusEvent& e) {
  return !by_callback_id.wamid || *by_callback_id.wamid == e.wamid;
}

namespace {

// Meta does not keep order: a `delivered` that arrives after `read` still says when the message reached
// the phone, which `read` could only imply. Taking the earlier time makes the end state the same
// whichever of the two arrived first.
std::optional<StatusState> LateDelivery(const StatusState& current, int64_t at) {
  if (current.status != MessageStatus::kRead || !current.delivered_at) return std::nullopt;
  int64_t delivered = std::max(at, current.sent_at.value_or(0));
  if (delivered >= *current.delivered_at) return std::nullopt;
  StatusState next = current;
  next.delivered_at = delivered;
  return next;
}

}  // namespace

std::optional<StatusState> DecideStatus(const StatusState& current, const StatusEvent& e, int64_t now_ms) {
  if (e.status == MessageStatus::kDelivered && !CanAdvance(current.status, e.status)) {
    return LateDelivery(current, e.at_ms > 0 ? e.at_ms : now_ms);
  }
  if (!CanAdvance(current.status, e.status)) return std::nullopt;
  int64_t at = e.at_ms > 0 ? e.at_ms : now_ms;  // Meta always sends a timestamp; do not trust it to
  StatusState next = current;
  next.status = e.status;
  switch (e.status) {
    case MessageStatus::kSent:
      next.sent_at = current.sent_at.value_or(at);
      return next;
    case MessageStatus::kDelivered:
      next.sent_at = current.sent_at.value_or(at);
      next.delivered_at = current.delivered_at.value_or(std::max(at, current.sent_at.value_or(0)));
      return next;
    case MessageStatus::kRead:  // read implies delivered (Meta skips `delivered` when both happen at once)
      next.sent_at = current.sent_at.value_or(at);
      next.delivered_at = current.delivered_at.value_or(std::max(at, current.sent_at.value_or(0)));
      next.read_at =
          current.read_at.value_or(std::max({at, current.delivered_at.value_or(0), current.sent_at.value_or(0)}));
      return next;
    case MessageStatus::kFailed:
      next.failed_at = at;
      next.error = e.error.value_or(GraphError{0, "failed", "Meta reported the message as failed"});
      return next;
    default:
      return std::nullopt;  // queued/sending/unknown are never reported by Meta
  }
}

}  // namespace wagate::core
