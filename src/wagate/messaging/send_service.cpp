#include "wagate/messaging/send_service.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/graph/request_builder.hpp"
#include "wagate/store/admin_repo.hpp"
#include "wagate/store/message_repo.hpp"

namespace wagate::messaging {

void SendService::Accept(const tenancy::Principal& who, SendCommand cmd, AcceptedCallback done,
                         engine::OutcomeCallback on_outcome, int64_t outcome_deadline_ms) {
  // Another tenant's outlet answers exactly like a missing one: the caller learns nothing.
  auto outlet = outlets_.ById(cmd.outlet_id);
  if (!who.CanSee(cmd.tenant_id) || !outlet || outlet->tenant_id != cmd.tenant_id) {
    done(core::Error::NotFound(!who.CanSee(cmd.tenant_id) ? "tenant" : "outlet"));
    return;
  }
  int64_t now = clock_.NowMs();
  auto record = std::make_shared<store::MessageRecord>();
  record->id = core::NewId("msg_", now);
  record->tenant_id = cmd.tenant_id;
  record->outlet_id = cmd.outlet_id;
  record->conversation_id = cmd.conversation_id;
  record->to_number = cmd.to;
  record->message_type = cmd.message_type;
  record->body_text = cmd.text;
  record->graph_request = graph::BuildTextMessage(cmd.to, cmd.text, record->id);
  record->status = core::MessageStatus::kQueued;
  record->next_attempt_at = now;
  record->created_at = now;

  // Registered before the insert so an outcome can never race past the waiter.
  if (on_outcome) waiters_.Register(record->id, outcome_deadline_ms, std::move(on_outcome));
  std::string month = core::MonthKey(now);
  db_.Write(
      [record, month](store::Connection& c) -> core::Status {
        auto tenant = store::admin_repo::GetTenant(c, record->tenant_id);
        if (!tenant) return core::Error::NotFound("tenant");
        // Checked and counted inside the single writer's transaction: no overshoot under concurrency.
        if (tenant->monthly_quota &&
            store::admin_repo::QuotaUsed(c, record->tenant_id, month) >= *tenant->monthly_quota) {
          return core::Error{core::ErrorKind::kQuotaExceeded, "quota_exceeded",
                             "the tenant's monthly quota of " + std::to_string(*tenant->monthly_quota) +
                                 " messages is used up"};
        }
        store::admin_repo::AddQuotaUse(c, record->tenant_id, month, 1);
        store::message_repo::Insert(c, *record);
        return core::Ok{};
      },
      [this, record, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) {
          waiters_.Cancel(record->id);
          done(s.error());
          return;
        }
        dispatcher_.Enqueue(record->id, record->outlet_id, record->next_attempt_at);
        done(*record);
      });
}

}  // namespace wagate::messaging
