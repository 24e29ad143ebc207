// The life of a message and the one rule for moving it: forward only, `failed` terminal.
#pragma once

#include <optional>
#include <string_view>

namespace wagate::core {

enum class MessageStatus {
  kQueued,   // stored, waiting for its turn or its next retry
  kSending,  // claimed; a request to Graph may be on the wire (in doubt after a crash)
  kUnknown,  // was in doubt and no status webhook settled it in time (see docs/delivery.md)
  kSent,     // Graph accepted it (or a `sent` webhook said so)
  kDelivered,
  kRead,
  kFailed,  // terminal
};

std::string_view ToString(MessageStatus s);
std::optional<MessageStatus> ParseMessageStatus(std::string_view s);

// Whether a status event may move a message from `current` to `next`:
// queued < sending = unknown < sent < delivered < read; `failed` is terminal and only replaces a
// status below `delivered` (a message that reached the phone stays delivered/read).
bool CanAdvance(MessageStatus current, MessageStatus next);

}  // namespace wagate::core
