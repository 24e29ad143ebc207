#include "wagate/messaging/send_service.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/store/admin_repo.hpp"
#include "wagate/store/idempotency_repo.hpp"
#include "wagate/store/message_repo.hpp"

namespace wagate::messaging {

void SendService::Accept(const tenancy::Principal& who, SendCommand cmd, AcceptedCallback done) {
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
  auto record = std::make_shared<store::MessageRecord>();
  record->id = core::NewId("msg_", now);
  record->tenant_id = cmd.tenant_id;
  record->outlet_id = cmd.outlet_id;
  record->conversation_id = cmd.conversation_id;
  record->to_number = to_customer ? cmd.to : std::string();
  record->message_type = content.type;
  record->priority = static_cast<int64_t>(cmd.priority);
  record->body_text = content.summary;
  record->graph_request = content::BuildGraphRequest(content, cmd.to, record->id);
  if (content.template_use) {
    record->template_name = content.template_use->name;
    record->template_language = content.template_use->language;
  }
  record->status = core::MessageStatus::kQueued;
  record->next_attempt_at = now;
  record->created_at = now;

  bool counts_for_quota = to_customer;  // marking a message read sends nothing to a customer
  auto duplicate = std::make_shared<bool>(false);
  std::string month = core::MonthKey(now);
  auto key = cmd.idempotency_key;
  std::string hash = cmd.request_hash;
  db_.Write(
      [record, month, key, hash, duplicate, now, counts_for_quota](store::Connection& c) -> core::Status {
        // Checked inside the single writer's transaction: concurrent retries with one key see one
        // another, and quota use never overshoots.
        if (key) {
          if (auto seen = store::idempotency_repo::Find(c, record->tenant_id, *key)) {
            if (seen->request_hash != hash) {
              return core::Error{core::ErrorKind::kConflict, "idempotency_conflict",
                                 "this Idempotency-Key was used with a different request body"};
            }
            auto original = store::message_repo::Get(c, seen->message_id);
            if (!original) return core::Error::Internal("the message of this Idempotency-Key is gone");
            *record = *original;
            *duplicate = true;
            return core::Ok{};
          }
        }
        auto tenant = store::admin_repo::GetTenant(c, record->tenant_id);
        if (!tenant) return core::Error::NotFound("tenant");
        if (counts_for_quota && tenant->monthly_quota &&
            store::admin_repo::QuotaUsed(c, record->tenant_id, month) >= *tenant->monthly_quota) {
          return core::Error{core::ErrorKind::kQuotaExceeded, "quota_exceeded",
                             "the tenant's monthly quota of " + std::to_string(*tenant->monthly_quota) +
                                 " messages is used up"};
        }
        if (counts_for_quota) store::admin_repo::AddQuotaUse(c, record->tenant_id, month, 1);
        store::message_repo::Insert(c, *record);
        if (key) store::idempotency_repo::Insert(c, record->tenant_id, *key, {hash, record->id}, now);
        return core::Ok{};
      },
      [this, record, duplicate, window_open, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        // The caller hears first, so a synchronous one is waiting before the engine can finish.
        done(Accepted{*record, *duplicate, window_open});
        if (!*duplicate) {
          dispatcher_.Enqueue(engine::QueuedMessage{record->id, record->to_number,
                                                    static_cast<engine::Priority>(record->priority != 0)},
                              record->outlet_id, record->next_attempt_at);
        }
      });
}

}  // namespace wagate::messaging
