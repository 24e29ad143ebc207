#include "wagate/core/phone.hpp"
#include "wagate/store/event_payloads.hpp"
#include "wagate/store/sqlite/admin_repo.hpp"
#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/conversation_repo.hpp"
#include "wagate/store/sqlite/event_repo.hpp"
#include "wagate/store/sqlite/idempotency_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {
namespace {

// A message to a customer joins its conversation; mark_read reaches none.
std::optional<std::string> JoinConversation(Connection& c, const MessageRecord& m) {
  if (m.message_type == "mark_read" || m.to_number.empty()) return std::nullopt;
  conversation_repo::MessageNote note{
      m.tenant_id,
      m.outlet_id,
      core::DigitsOf(m.to_number),
      LastMessage{m.id, Direction::kOutbound, m.message_type, m.body_text.value_or(""), m.created_at},
      false,
      std::nullopt};
  return conversation_repo::NoteMessage(c, note, m.created_at);
}

}  // namespace

void SqliteMessageStore::Accept(AcceptRequest request, std::function<void(core::Result<AcceptResult>)> done) {
  auto result = std::make_shared<AcceptResult>();
  auto req = std::make_shared<AcceptRequest>(std::move(request));
  db_.Write(
      [req, result](Connection& c) -> core::Status {
        // Checked inside the single writer's transaction: concurrent retries with one key see one
        // another, and quota use never overshoots.
        const MessageRecord& m = req->message;
        if (req->idempotency_key) {
          if (auto seen = idempotency_repo::Find(c, m.tenant_id, *req->idempotency_key)) {
            if (seen->request_hash != req->request_hash) {
              return core::Error{core::ErrorKind::kConflict, "idempotency_conflict",
                                 "this Idempotency-Key was used with a different request body"};
            }
            auto original = message_repo::Get(c, seen->message_id);
            if (!original) return core::Error::Internal("the message of this Idempotency-Key is gone");
            *result = AcceptResult{std::move(*original), true};
            return core::Ok{};
          }
        }
        auto tenant = admin_repo::GetTenant(c, m.tenant_id);
        if (!tenant) return core::Error::NotFound("tenant");
        if (req->counts_for_quota && tenant->monthly_quota &&
            admin_repo::QuotaUsed(c, m.tenant_id, req->month) >= *tenant->monthly_quota) {
          return core::Error{
              core::ErrorKind::kQuotaExceeded, "quota_exceeded",
              "the tenant's monthly quota of " + std::to_string(*tenant->monthly_quota) + " messages is used up"};
        }
        if (req->counts_for_quota) admin_repo::AddQuotaUse(c, m.tenant_id, req->month, 1);
        if (m.campaign_id && !campaign_repo::LinkMessage(c, m, m.created_at)) {
          return core::Error{core::ErrorKind::kConflict, "recipient_not_pending",
                             "this campaign recipient has a message already, or was cancelled"};
        }
        std::optional<std::string> conversation = JoinConversation(c, m);
        req->message.conversation_ref = conversation;
        message_repo::Insert(c, m, conversation);
        event_repo::Emit(c, m.tenant_id, "message.queued",
                         [&m] { return MessageEvent(m, "message.queued", m.created_at); });
        if (conversation) conversation_repo::EmitUpdated(c, m.tenant_id, *conversation, m.created_at);
        if (req->idempotency_key) {
          idempotency_repo::Insert(c, m.tenant_id, *req->idempotency_key, {req->request_hash, m.id}, m.created_at);
        }
        *result = AcceptResult{std::move(req->message), false};  // a job runs once: the request is spent
        return core::Ok{};
      },
      [result, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*result));
      });
}

std::optional<MessageRecord> SqliteMessageStore::Get(const std::string& id) {
  return db_.Read([&](Connection& c) { return message_repo::Get(c, id); });
}

std::vector<MessageRecord> SqliteMessageStore::List(const MessageListFilter& filter) {
  return db_.Read([&](Connection& c) { return message_repo::List(c, filter); });
}

std::vector<MessageRecord> SqliteMessageStore::ListDeadLetters(const DeadLetterFilter& filter) {
  return db_.Read([&](Connection& c) { return message_repo::ListDeadLetters(c, filter); });
}

void SqliteMessageStore::ForEachPending(const std::function<void(PendingMessage&&)>& visit) {
  db_.Read([&](Connection& c) { message_repo::ForEachPending(c, visit); });
}

core::Result<std::vector<std::optional<ClaimedSend>>> SqliteMessageStore::ClaimBatch(
    const std::vector<ClaimRequest>& claims, int64_t now_ms) {
  std::vector<std::optional<ClaimedSend>> out(claims.size());
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    for (size_t i = 0; i < claims.size(); ++i) {
      out[i] = message_repo::Claim(c, claims[i].message_id, now_ms, claims[i].business_initiated);
    }
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return out;
}

core::Result<std::vector<std::optional<MessageRecord>>> SqliteMessageStore::RecordOutcomes(
    const std::vector<SendOutcome>& outcomes, int64_t now_ms) {
  std::vector<std::optional<MessageRecord>> settled(outcomes.size());
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const SendOutcome& o = outcomes[i];
      switch (o.kind) {
        case SendOutcome::Kind::kSent:
          message_repo::MarkSent(c, o.message_id, o.wamid, now_ms);
          break;
        case SendOutcome::Kind::kRetry:
          message_repo::ScheduleRetry(c, o.message_id, o.next_attempt_ms, o.error, now_ms,
                                      o.deferred_reason ? o.deferred_reason->c_str() : nullptr);
          break;
        case SendOutcome::Kind::kFailed: {
          message_repo::MarkFailed(c, o.message_id, o.error, now_ms);
          // A timeout may hide a send Meta accepted, and its status webhook may have said so meanwhile.
          auto m = message_repo::Get(c, o.message_id);
          if (m && m->status != core::MessageStatus::kFailed && m->wamid) settled[i] = std::move(m);
          break;
        }
      }
    }
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return settled;
}

void SqliteMessageStore::SetDeferredReason(std::vector<std::string> ids, const std::string& reason) {
  db_.Write(
      [ids = std::move(ids), reason](Connection& c) -> core::Status {
        for (const auto& id : ids) message_repo::SetDeferredReason(c, id, reason);
        return core::Ok{};
      },
      nullptr);
}

void SqliteMessageStore::ResolveInDoubt(const std::string& id, bool resend, int64_t now_ms,
                                        std::function<void(core::Result<MessageRecord>)> done) {
  auto message = std::make_shared<std::optional<MessageRecord>>();
  db_.Write(
      [id, resend, now_ms, message](Connection& c) -> core::Status {
        // Only still-`sending` rows change: a webhook that settled it meanwhile wins.
        if (!message_repo::ResolveInDoubt(c, id, resend, now_ms)) return core::Error::NotFound("in-doubt message");
        *message = message_repo::Get(c, id);
        return core::Ok{};
      },
      [message, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        if (!*message) return done(core::Error::NotFound("in-doubt message"));
        done(std::move(**message));
      });
}

void SqliteMessageStore::Requeue(std::vector<std::string> ids, int64_t now_ms,
                                 std::function<void(core::Result<std::vector<std::string>>)> done) {
  auto requeued = std::make_shared<std::vector<std::string>>();
  db_.Write(
      [ids = std::move(ids), now_ms, requeued](Connection& c) -> core::Status {
        for (const auto& id : ids) {
          if (message_repo::Requeue(c, id, now_ms)) requeued->push_back(id);
        }
        return core::Ok{};
      },
      [requeued, done = std::move(done)](const core::Status& s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*requeued));
      });
}

}  // namespace wagate::store::sqlite
