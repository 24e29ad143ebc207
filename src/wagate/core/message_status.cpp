#include "wagate/core/message_status.hpp"

namespace wagate::core {
namespace {
int Rank(MessageStatus s) {
  switch (s) {
    case MessageStatus::kQueued:
      return 0;
    case MessageStatus::kSending:
      return 1;
    case MessageStatus::kUnknown:
      return 1;
    case MessageStatus::kSent:
      return 2;
    case MessageStatus::kDelivered:
      return 3;
    case MessageStatus::kRead:
      return 4;
    case MessageStatus::kFailed:
      return 5;
  }
  return 0;
}
}  // namespace

std::string_view ToString(MessageStatus s) {
  switch (s) {
    case MessageStatus::kQueued:
      return "queued";
    case MessageStatus::kSending:
      return "sending";
    case MessageStatus::kUnknown:
      return "unknown";
    case MessageStatus::kSent:
      return "sent";
    case MessageStatus::kDelivered:
      return "delivered";
    case MessageStatus::kRead:
      return "read";
    case MessageStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<MessageStatus> ParseMessageStatus(std::string_view s) {
  for (auto st : {MessageStatus::kQueued, MessageStatus::kSending, MessageStatus::kUnknown, MessageStatus::kSent,
                  MessageStatus::kDelivered, MessageStatus::kRead, MessageStatus::kFailed}) {
    if (ToString(st) == s) return st;
  }
  return std::nullopt;
}

bool CanAdvance(MessageStatus current, MessageStatus next) {
  if (current == MessageStatus::kFailed) return false;
  if (next == MessageStatus::kFailed) return Rank(current) < Rank(MessageStatus::kDelivered);
  return Rank(next) > Rank(current);
}

}  // namespace wagate::core
