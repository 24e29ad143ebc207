#include "wagate/store/sqlite/message_repo.hpp"

#include "wagate/core/status_rules.hpp"
#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/event_repo.hpp"

namespace wagate::store::sqlite::message_repo {
namespace {

using core::MessageStatus;

const char* kColumns =
    "id, tenant_id, outlet_id, conversation_id, to_number, message_type, body_text, graph_request, status, "
    "attempts, next_attempt_at, claimed_at, wamid, created_at, sent_at, delivered_at, read_at, failed_at, "
    "error_code, error_title, error_details, priority, business_initiated, deferred_reason, template_name, "
    "template_language, pricing_category, pricing_type, pricing_model, conversation_ref, campaign_id, campaign_seq, "
    "expires_at";

MessageRecord ReadMessage(Statement& s) {
  MessageRecord m;
  m.id = s.Text(0);
  m.tenant_id = s.Text(1);
  m.outlet_id = s.Text(2);
  m.conversation_id = s.OptText(3);
  m.to_number = s.Text(4);
  m.message_type = s.Text(5);
  m.body_text = s.OptText(6);
  m.graph_request = s.Text(7);
  m.status = core::ParseMessageStatus(s.Text(8)).value_or(MessageStatus::kUnknown);
  m.attempts = s.Int(9);
  m.next_attempt_at = s.Int(10);
  m.claimed_at = s.OptInt(11);
  m.wamid = s.OptText(12);
  m.created_at = s.Int(13);
  m.sent_at = s.OptInt(14);
  m.delivered_at = s.OptInt(15);
  m.read_at = s.OptInt(16);
  m.failed_at = s.OptInt(17);
  if (!s.IsNull(18)) m.error = GraphError{s.Int(18), s.Text(19), s.Text(20)};
  m.priority = s.Int(21);
  m.business_initiated = s.Int(22) != 0;
  m.deferred_reason = s.OptText(23);
  m.template_name = s.OptText(24);
  m.template_language = s.OptText(25);
  m.pricing_category = s.OptText(26);
  m.pricing_type = s.OptText(27);
  m.pricing_model = s.OptText(28);
  m.conversation_ref = s.OptText(29);
  m.campaign_id = s.OptText(30);
  m.campaign_seq = s.OptInt(31);
  m.expires_at = s.OptInt(32);
  return m;
}

const GraphError kExpired{0, "expired", "the message's validity (ttl_s, expires_at) ended before it could be sent"};

std::string S(MessageStatus st) { return std::string(core::ToString(st)); }

void ApplyOrphans(Connection& c, const std::string& wamid, int64_t now_ms) {
  std::vector<core::StatusEvent> events;
  {
    Statement s = c.Prepare(
        "SELECT status, at, error_code, error_title, error_details, phone_number_id FROM orphan_statuses "
        "WHERE wamid = ?");
    s.Bind(1, wamid);
    while (s.Step()) {
      core::StatusEvent e;
      e.wamid = wamid;
      e.status = core::ParseMessageStatus(s.Text(0)).value_or(MessageStatus::kSent);
      e.at_ms = s.Int(1);
      if (!s.IsNull(2)) e.error = GraphError{s.Int(2), s.Text(3), s.Text(4)};
      e.phone_number_id = s.Text(5);
      events.push_back(std::move(e));
    }
  }
  if (events.empty()) return;
  c.Prepare("DELETE FROM orphan_statuses WHERE wamid = ?").Bind(1, wamid).Run();
  for (const auto& e : events) ApplyStatus(c, e, now_ms);
}

}  // namespace

void Insert(Connection& c, const MessageRecord& m, const std::optional<std::string>& conversation_ref) {
  c.Prepare(
       "INSERT INTO messages(id, tenant_id, outlet_id, conversation_id, to_number, message_type, body_text, "
       "graph_request, status, attempts, next_attempt_at, created_at, updated_at, priority, template_name, "
       "template_language, conversation_ref, campaign_id, campaign_seq, expires_at) "
       "VALUES (?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, m.id)
      .Bind(2, m.tenant_id)
      .Bind(3, m.outlet_id)
      .Bind(4, m.conversation_id)
      .Bind(5, m.to_number)
      .Bind(6, m.message_type)
      .Bind(7, m.body_text)
      .Bind(8, m.graph_request)
      .Bind(9, S(m.status))
      .Bind(10, m.next_attempt_at)
      .Bind(11, m.created_at)
      .Bind(12, m.created_at)
      .Bind(13, m.priority)
      .Bind(14, m.template_name)
      .Bind(15, m.template_language)
      .Bind(16, conversation_ref)
      .Bind(17, m.campaign_id)
      .Bind(18, m.campaign_seq)
      .Bind(19, m.expires_at)
      .Run();
}

std::optional<MessageRecord> Get(Connection& c, const std::string& id) {
  Statement s = c.Prepare(std::string("SELECT ") + kColumns + " FROM messages WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  return ReadMessage(s);
}

std::vector<MessageRecord> List(Connection& c, const MessageListFilter& f) {
  // Only the filters given are in the SQL ("?1 IS NULL OR …" keeps SQLite off every index): with the
  // tenant as an equality, its (tenant_id, created_at) index gives the newest first without a full scan.
  std::string sql = std::string("SELECT ") + kColumns + " FROM messages WHERE 1";
  if (f.tenant_id) sql += " AND tenant_id = ?1";
  if (f.outlet_id) sql += " AND outlet_id = ?2";
  if (f.status) sql += " AND status = ?3";
  if (f.conversation_id) sql += " AND conversation_id = ?5";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?6";  // ?6 is the highest: every index below may be bound
  Statement s = c.Prepare(sql);
  s.Bind(1, f.tenant_id).Bind(2, f.outlet_id).Bind(3, f.status).Bind(5, f.conversation_id).Bind(6, f.limit);
  std::vector<MessageRecord> out;
  while (s.Step()) out.push_back(ReadMessage(s));
  return out;
}

namespace {

void FailIfExpired(Connection& c, const std::string& id, int64_t now_ms) {
  bool expired = false;
  {
    Statement s = c.Prepare("SELECT 1 FROM messages WHERE id = ? AND status = 'queued' AND expires_at <= ?");
    s.Bind(1, id).Bind(2, now_ms);
    expired = s.Step();
  }
  if (expired) MarkFailed(c, id, kExpired, now_ms);
}

}  // namespace

std::optional<ClaimedSend> Claim(Connection& c, const std::string& id, int64_t now_ms, bool business_initiated) {
  // Never past its validity, and a campaign's message only while the campaign runs: a paused
  // campaign's messages stay queued, unclaimed, until it resumes.
  // The claimed row is read back by a second statement rather than with RETURNING, which would
  // collect its rows in a temporary b-tree on every call (this runs once per message sent).
  c.Prepare(
       "UPDATE messages SET status = 'sending', attempts = attempts + 1, claimed_at = ?1, updated_at = ?1, "
       "business_initiated = ?2, deferred_reason = NULL WHERE id = ?3 AND status = 'queued' "
       "AND (expires_at IS NULL OR expires_at > ?1) "
       "AND (campaign_id IS NULL OR (SELECT status FROM campaigns WHERE id = campaign_id) = 'running')")
      .Bind(1, now_ms)
      .Bind(2, int64_t{business_initiated})
      .Bind(3, id)
      .Run();
  if (c.Changes() == 0) {
    FailIfExpired(c, id, now_ms);
    return std::nullopt;
  }
  Statement s = c.Prepare("SELECT graph_request, outlet_id, attempts FROM messages WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) throw StoreError("a claimed message is gone", 0);
  return ClaimedSend{s.Text(0), s.Text(1), s.Int(2)};
}

void MarkSent(Connection& c, const std::string& id, const std::string& wamid, int64_t now_ms) {
  std::optional<std::string> wamid_value = wamid.empty() ? std::nullopt : std::optional<std::string>(wamid);
  c.Prepare(
       "UPDATE messages SET wamid = COALESCE(wamid, ?), sent_at = COALESCE(sent_at, ?), updated_at = ?, "
       "status = 'sent' WHERE id = ? AND (status = 'queued' OR status = 'sending' OR status = 'unknown')")
      .Bind(1, wamid_value)
      .Bind(2, now_ms)
      .Bind(3, now_ms)
      .Bind(4, id)
      .Run();
  if (c.Changes() > 0) {
    event_repo::EmitMessage(c, id, "message.sent", now_ms);
    campaign_repo::OnMessageTransition(c, id, now_ms);
  } else {  // a status webhook moved it first: keep its status, fill what the answer adds
    c.Prepare(
         "UPDATE messages SET wamid = COALESCE(wamid, ?), sent_at = COALESCE(sent_at, ?), updated_at = ? "
         "WHERE id = ?")
        .Bind(1, wamid_value)
        .Bind(2, now_ms)
        .Bind(3, now_ms)
        .Bind(4, id)
        .Run();
  }
  if (!wamid.empty()) ApplyOrphans(c, wamid, now_ms);  // mark-as-read answers carry no wamid
}

void ScheduleRetry(Connection& c, const std::string& id, int64_t next_attempt_ms, const GraphError& error,
                   int64_t now_ms, const char* deferred_reason) {
  c.Prepare(
       "UPDATE messages SET status = 'queued', next_attempt_at = ?, error_code = ?, error_title = ?, "
       "error_details = ?, updated_at = ?, deferred_reason = ? WHERE id = ? AND status = 'sending'")
      .Bind(1, next_attempt_ms)
      .Bind(2, error.code)
      .Bind(3, error.title)
      .Bind(4, error.details)
      .Bind(5, now_ms)
      .Bind(6, deferred_reason ? std::optional<std::string>(deferred_reason) : std::nullopt)
      .Bind(7, id)
      .Run();
}

void SetDeferredReason(Connection& c, const std::string& id, const std::string& reason) {
  c.Prepare("UPDATE messages SET deferred_reason = ? WHERE id = ? AND status = 'queued'")
      .Bind(1, reason)
      .Bind(2, id)
      .Run();
}

void MarkFailed(Connection& c, const std::string& id, const GraphError& error, int64_t now_ms) {
  c.Prepare(
       "UPDATE messages SET status = 'failed', failed_at = ?, error_code = ?, error_title = ?, error_details = ?, "
       "updated_at = ? WHERE id = ? AND (status = 'queued' OR status = 'sending' OR status = 'unknown')")
      .Bind(1, now_ms)
      .Bind(2, error.code)
      .Bind(3, error.title)
      .Bind(4, error.details)
      .Bind(5, now_ms)
      .Bind(6, id)
      .Run();
  if (c.Changes() > 0) {
    event_repo::EmitMessage(c, id, "message.failed", now_ms);
    campaign_repo::OnMessageTransition(c, id, now_ms);
  }
}

bool ResolveInDoubt(Connection& c, const std::string& id, bool resend, int64_t now_ms) {
  c.Prepare("UPDATE messages SET status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'")
      .Bind(1, resend ? "queued" : "unknown")
      .Bind(2, now_ms)
      .Bind(3, now_ms)
      .Bind(4, id)
      .Run();
  if (c.Changes() == 0) return false;
  campaign_repo::OnMessageTransition(c, id, now_ms);
  return true;
}

namespace {

std::optional<core::StatusMatch> FindForStatus(Connection& c, const char* sql, const std::string& key,
                                               const std::string& phone_number_id) {
  Statement s = c.Prepare(sql);
  s.Bind(1, key).Bind(2, phone_number_id);
  if (!s.Step()) return std::nullopt;
  core::StatusMatch m;
  m.message_id = s.Text(0);
  m.state.status = core::ParseMessageStatus(s.Text(1)).value_or(MessageStatus::kUnknown);
  m.wamid = s.OptText(2);
  m.state.sent_at = s.OptInt(3);
  m.state.delivered_at = s.OptInt(4);
  m.state.read_at = s.OptInt(5);
  m.state.failed_at = s.OptInt(6);
  if (!s.IsNull(7)) m.state.error = GraphError{s.Int(7), s.Text(8), s.Text(9)};
  return m;
}

void SaveOrphan(Connection& c, const core::StatusEvent& e, int64_t now_ms) {
  c.Prepare(
       "INSERT INTO orphan_statuses(wamid, phone_number_id, status, at, error_code, error_title, error_details, "
       "received_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")
      .Bind(1, e.wamid)
      .Bind(2, e.phone_number_id)
      .Bind(3, S(e.status))
      .Bind(4, e.at_ms > 0 ? e.at_ms : now_ms)
      .Bind(5, e.error ? std::optional<int64_t>(e.error->code) : std::nullopt)
      .Bind(6, e.error ? std::optional<std::string>(e.error->title) : std::nullopt)
      .Bind(7, e.error ? std::optional<std::string>(e.error->details) : std::nullopt)
      .Bind(8, now_ms)
      .Run();
}

// The conditional write of a decision: only if the message is still in the status it was read in.
bool WriteStatus(Connection& c, const std::string& id, MessageStatus expected, const core::StatusState& next,
                 int64_t now_ms) {
  c.Prepare(
       "UPDATE messages SET status = ?, sent_at = ?, delivered_at = ?, read_at = ?, failed_at = ?, error_code = ?, "
       "error_title = ?, error_details = ?, updated_at = ? WHERE id = ? AND status = ?")
      .Bind(1, S(next.status))
      .Bind(2, next.sent_at)
      .Bind(3, next.delivered_at)
      .Bind(4, next.read_at)
      .Bind(5, next.failed_at)
      .Bind(6, next.error ? std::optional<int64_t>(next.error->code) : std::nullopt)
      .Bind(7, next.error ? std::optional<std::string>(next.error->title) : std::nullopt)
      .Bind(8, next.error ? std::optional<std::string>(next.error->details) : std::nullopt)
      .Bind(9, now_ms)
      .Bind(10, id)
      .Bind(11, S(expected))
      .Run();
  return c.Changes() > 0;
}

const char* kFindById =
    "SELECT m.id, m.status, m.wamid, m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.error_code, "
    "m.error_title, m.error_details FROM messages m JOIN outlets o ON o.id = m.outlet_id "
    "WHERE m.id = ? AND o.phone_number_id = ?";
const char* kFindByWamid =
    "SELECT m.id, m.status, m.wamid, m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.error_code, "
    "m.error_title, m.error_details FROM messages m JOIN outlets o ON o.id = m.outlet_id "
    "WHERE m.wamid = ? AND o.phone_number_id = ?";

// Pricing arrives on `sent` and on one of delivered/read: the first one kept says what Meta charges.
// True when it was new (the usual `sent` webhook, after the send's answer already said sent, brings
// only this).
bool RecordPricing(Connection& c, const std::string& id, const core::StatusEvent::Pricing& p) {
  c.Prepare(
       "UPDATE messages SET pricing_category = ?, pricing_type = ?, pricing_model = ? WHERE id = ? AND "
       "pricing_category IS NULL")
      .Bind(1, p.category)
      .Bind(2, p.type)
      .Bind(3, p.model)
      .Bind(4, id)
      .Run();
  return c.Changes() > 0;
}

}  // namespace

// Which message, and whether it moves, is decided by core/status_rules; this only reads and writes.
ApplyResult ApplyStatus(Connection& c, const core::StatusEvent& e, int64_t now_ms) {
  std::optional<core::StatusMatch> match;
  if (e.message_id) match = FindForStatus(c, kFindById, *e.message_id, e.phone_number_id);
  if (match && !core::TrustCallbackMatch(*match, e)) match.reset();
  if (!match) match = FindForStatus(c, kFindByWamid, e.wamid, e.phone_number_id);
  if (!match) {
    SaveOrphan(c, e, now_ms);
    return ApplyResult::kOrphaned;
  }
  if (!match->wamid) {
    c.Prepare("UPDATE messages SET wamid = ? WHERE id = ?").Bind(1, e.wamid).Bind(2, match->message_id).Run();
  }
  bool priced = e.pricing && RecordPricing(c, match->message_id, *e.pricing);
  std::optional<core::StatusState> next = core::DecideStatus(match->state, e, now_ms);
  bool moved = next && WriteStatus(c, match->message_id, match->state.status, *next, now_ms);
  if (moved && next->status != match->state.status) {
    event_repo::EmitMessage(c, match->message_id, "message." + std::string(core::ToString(next->status)), now_ms);
  }
  if (moved) campaign_repo::OnMessageTransition(c, match->message_id, now_ms);
  return moved || priced ? ApplyResult::kApplied : ApplyResult::kIgnored;
}

void ForEachPending(Connection& c, const std::function<void(PendingMessage&&)>& visit) {
  Statement s = c.Prepare(
      "SELECT id, outlet_id, status, next_attempt_at, to_number, priority FROM messages "
      "WHERE status IN ('queued', 'sending') ORDER BY created_at");
  while (s.Step()) {
    visit(PendingMessage{s.Text(0), s.Text(1), core::ParseMessageStatus(s.Text(2)).value_or(MessageStatus::kQueued),
                         s.Int(3), s.Text(4), s.Int(5)});
  }
}

std::vector<MessageRecord> ListDeadLetters(Connection& c, const DeadLetterFilter& f) {
  std::optional<std::string> status;
  if (f.reason) status = *f.reason == "in_doubt" ? "unknown" : "failed";
  Statement s = c.Prepare(std::string("SELECT ") + kColumns +
                          " FROM messages WHERE status IN ('failed', 'unknown') AND (?7 IS NULL OR status = ?7)"
                          " AND (?1 IS NULL OR tenant_id = ?1)"
                          " AND (?2 IS NULL OR outlet_id = ?2) AND (?3 IS NULL OR error_code = ?3)"
                          " AND (?4 IS NULL OR COALESCE(failed_at, claimed_at) >= ?4)"
                          " AND (?5 IS NULL OR COALESCE(failed_at, claimed_at) < ?5)"
                          " ORDER BY COALESCE(failed_at, claimed_at) DESC, id DESC LIMIT ?6");
  s.Bind(1, f.tenant_id)
      .Bind(2, f.outlet_id)
      .Bind(3, f.error_code)
      .Bind(4, f.since_ms)
      .Bind(5, f.until_ms)
      .Bind(6, f.limit);
  s.Bind(7, status);
  std::vector<MessageRecord> out;
  while (s.Step()) out.push_back(ReadMessage(s));
  return out;
}

bool Requeue(Connection& c, const std::string& id, int64_t now_ms) {
  c.Prepare(
       "UPDATE messages SET status = 'queued', attempts = 0, next_attempt_at = ?, failed_at = NULL, "
       "deferred_reason = NULL, updated_at = ? WHERE id = ? AND status IN ('failed', 'unknown') AND wamid IS NULL")
      .Bind(1, now_ms)
      .Bind(2, now_ms)
      .Bind(3, id)
      .Run();
  if (c.Changes() == 0) return false;
  campaign_repo::OnMessageTransition(c, id, now_ms);
  return true;
}

}  // namespace wagate::store::sqlite::message_repo
