// Marking a conversation read: its unread count to 0 and, when asked, Meta's read receipt (a mark_read
// through the outlet's lane, like any send) for the customer's newest message. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/messaging/send_service.hpp"
#include "wagate/store/conversation_store.hpp"

namespace wagate::messaging {

struct ReadResult {
  store::ConversationRecord conversation;
  std::optional<store::MessageRecord> receipt;  // the mark_read message, when one was sent
};

// Thread-safe; callbacks run on a store thread.
class ConversationReads final {
 public:
  ConversationReads(store::ConversationStore& conversations, SendService& sender, const core::Clock& clock)
      : conversations_(conversations), sender_(sender), clock_(clock) {}

  // kNotFound for an unknown conversation or another tenant's. With `receipt` and no customer message
  // yet, nothing is sent (receipt stays empty).
  void MarkRead(const tenancy::Principal& who, const std::string& conversation_id, bool receipt,
                std::function<void(core::Result<ReadResult>)> done);

 private:
  store::ConversationStore& conversations_;
  SendService& sender_;
  const core::Clock& clock_;
};

}  // namespace wagate::messaging
