#include "wagate/messaging/conversation_reads.hpp"

#include <memory>

namespace wagate::messaging {
namespace {

core::Result<content::MessageContent> MarkReadContent(const std::string& wamid) {
  return content::ParseMessageContent(
      nlohmann::json{{"message_type", "mark_read"}, {"mark_read", {{"message_id", wamid}}}});
}

}  // namespace

void ConversationReads::MarkRead(const tenancy::Principal& who, const std::string& conversation_id, bool receipt,
                                 std::function<void(core::Result<ReadResult>)> done) {
  auto conversation = conversations_.Get(conversation_id);
  if (!conversation || !who.CanSee(conversation->tenant_id)) return done(core::Error::NotFound("conversation"));
  std::optional<SendCommand> command;
  if (receipt) {
    if (auto newest = conversations_.NewestInbound(conversation_id); newest && newest->wamid) {
      auto content = MarkReadContent(*newest->wamid);
      if (!content) return done(content.error());
      command.emplace();
      command->tenant_id = conversation->tenant_id;
      command->outlet_id = conversation->outlet_id;
      command->content = std::move(*content);
    }
  }
  auto shared_done = std::make_shared<std::function<void(core::Result<ReadResult>)>>(std::move(done));
  conversations_.MarkRead(
      conversation_id, clock_.NowMs(),
      [this, who, command = std::move(command), shared_done](core::Result<store::ConversationRecord> read) {
        if (!read) return (*shared_done)(read.error());
        if (!command) return (*shared_done)(ReadResult{std::move(*read), std::nullopt});
        auto record = std::make_shared<store::ConversationRecord>(std::move(*read));
        // Runs on the store thread: Accept only queues the write and answers through its callback.
        sender_.Accept(who, *command, [record, shared_done](core::Result<Accepted> sent) {
          if (!sent) return (*shared_done)(sent.error());
          (*shared_done)(ReadResult{std::move(*record), std::move(sent->message)});
        });
      });
}

}  // namespace wagate::messaging
