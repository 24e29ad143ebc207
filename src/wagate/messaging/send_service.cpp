#include "wagate/messaging/send_service.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/core/time_format.hpp"

namespace wagate::messaging {

void SendService::Accept(const tenancy::Principal& who, const SendCommand& cmd, AcceptedCallback done) {
  // Another tenant's outlet answers exactly like a missing one: the caller learns nothing.
  auto outlet = outlets_.ById(cmd.outlet_id);
  if (!who.CanSee(cmd.tenant_id) || !outlet || outlet->tenant_id != cmd.tenant_id) {
    done(core::Error::NotFound(!who.CanSee(cmd.tenant_id) ? "tenant" : "outlet"));
    return;
  }
  int64_t now = clock_.NowMs();
  const content::MessageContent& content = cmd.content;
  bool to_customer = content.needs_recipient;
  bool window_open = to_customer && windows_.IsOpen(cmd.outlet_id, cmd.to, now);
  bool free_form = to_customer && !content.is_template();
  if (free_form && !window_open && outlet->reject_outside_window) {
    done(core::Error{core::ErrorKind::kUnprocessable, "outside_service_window",
                     "the customer has not written to this number in the last 24 hours: only templates may be "
                     "sent (the outlet's window_policy is reject)"});
    return;
  }
  if (content.template_use) {
    if (core::Status s = templates_.CheckSend(outlet->waba_id, *content.template_use); !s.ok()) {
      done(s.error());
      return;
    }
  }
  std::optional<int64_t> expires_at = cmd.ttl_s ? std::optional<int64_t>(now + *cmd.ttl_s * 1000) : cmd.expires_at;
  if (expires_at && *expires_at <= now) {
    done(core::Error::InvalidField("expires_at", "is in the past: the message could never be sent"));
    return;
  }
  store::AcceptRequest request;
  store::MessageRecord& record = request.message;
  record.id = core::NewId("msg_", now);
  record.tenant_id = cmd.tenant_id;
  record.outlet_id = cmd.outlet_id;
  record.conversation_id = cmd.conversation_id;
  record.to_number = to_customer ? cmd.to : std::string();
  record.message_type = content.type;
  record.priority = static_cast<int64_t>(cmd.priority);
  record.body_text = content.summary;
  record.graph_request = content::BuildGraphRequest(content, cmd.to, record.id);
  if (content.template_use) {
    record.template_name = content.template_use->name;
    record.template_language = content.template_use->language;
  }
  record.status = core::MessageStatus::kQueued;
  record.next_attempt_at = now;
  record.created_at = now;
  record.expires_at = expires_at;
  record.campaign_id = cmd.campaign_id;
  record.campaign_seq = cmd.campaign_seq;
  request.idempotency_key = cmd.idempotency_key;
  request.request_hash = cmd.request_hash;
  request.counts_for_quota = to_customer;  // marking a message read sends nothing to a customer
  request.month = core::MonthKey(now);
  messages_.Accept(std::move(request),
                   [this, window_open, done = std::move(done)](core::Result<store::AcceptResult>&& r) {
                     if (!r) return done(r.error());
                     const store::MessageRecord& m = r->message;
                     bool duplicate = r->duplicate;
                     // Only what the lane needs is kept: the record itself goes to the caller.
                     engine::QueuedMessage queued{m.id, m.to_number, static_cast<engine::Priority>(m.priority != 0)};
                     std::string outlet_id = m.outlet_id;
                     int64_t due_at = m.next_attempt_at;
                     // The caller hears first, so a synchronous one is waiting before the engine can finish.
                     done(Accepted{std::move(r->message), duplicate, window_open});
                     if (!duplicate) dispatcher_.Enqueue(std::move(queued), outlet_id, due_at);
                   });
}

}  // namespace wagate::messaging
