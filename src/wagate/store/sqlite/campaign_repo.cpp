#include "wagate/store/sqlite/campaign_repo.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "wagate/store/event_payloads.hpp"
#include "wagate/store/sqlite/event_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"

namespace wagate::store::sqlite::campaign_repo {
namespace {

const char* kColumns =
    "id, tenant_id, outlet_id, name, status, status_reason, message, variables, max_mps, delay_ms, jitter_ms, "
    "start_at, expires_at, ttl_s, uploads, total, invalid, duplicates, suppressed, pending, fed, settled, sent, "
    "delivered, "
    "read, failed, in_doubt, cancelled, expired, replied, created_at, started_at, completed_at, updated_at";

CampaignRecord ReadCampaign(Statement& s) {
  CampaignRecord r;
  r.id = s.Text(0);
  r.tenant_id = s.Text(1);
  r.outlet_id = s.Text(2);
  r.name = s.Text(3);
  r.status = ParseCampaignStatus(s.Text(4)).value_or(CampaignStatus::kDraft);
  r.status_reason = s.OptText(5);
  r.message = s.Text(6);
  nlohmann::json vars = nlohmann::json::parse(s.Text(7), nullptr, false);
  if (vars.is_array()) {
    for (const auto& v : vars) {
      if (v.is_string()) r.variables.push_back(v.get<std::string>());
    }
  }
  r.pacing.max_mps = s.OptInt(8);
  r.pacing.delay_ms = s.OptInt(9);
  r.pacing.jitter_ms = s.OptInt(10);
  r.start_at = s.OptInt(11);
  r.expires_at = s.OptInt(12);
  r.ttl_s = s.OptInt(13);
  r.uploads = s.Int(14);
  CampaignCounts& n = r.counts;
  int64_t* fields[] = {&n.total,  &n.invalid,  &n.duplicates, &n.suppressed, &n.pending,
                       &n.fed,    &n.settled,  &n.sent,       &n.delivered,  &n.read,
                       &n.failed, &n.in_doubt, &n.cancelled,  &n.expired,    &n.replied};
  int col = 15;
  for (int64_t* f : fields) *f = s.Int(col++);
  r.created_at = s.Int(30);
  r.started_at = s.OptInt(31);
  r.completed_at = s.OptInt(32);
  r.updated_at = s.Int(33);
  return r;
}

void ReadErrors(Connection& c, CampaignRecord& r) {
  Statement s = c.Prepare("SELECT code, n FROM campaign_errors WHERE campaign_id = ?");
  s.Bind(1, r.id);
  while (s.Step()) r.errors[s.Int(0)] = s.Int(1);
}

// Where a recipient stands, for the counters: its message's status, or why it has none.
bool Settled(const std::string& status) { return status != "pending" && status != "queued" && status != "sending"; }

// The event a transition to `to` reports: running is "started" the first time, "resumed" after that.
std::string CampaignEventType(const CampaignRecord& before, CampaignStatus to) {
  if (to == CampaignStatus::kRunning) return before.started_at ? "campaign.resumed" : "campaign.started";
  return std::string("campaign.") + ToString(to);
}

}  // namespace

void Insert(Connection& c, const CampaignRecord& r) {
  nlohmann::json vars = r.variables;
  c.Prepare(
       "INSERT INTO campaigns(id, tenant_id, outlet_id, name, status, status_reason, message, variables, max_mps, "
       "delay_ms, jitter_ms, start_at, expires_at, ttl_s, created_at, updated_at) "
       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, r.id)
      .Bind(2, r.tenant_id)
      .Bind(3, r.outlet_id)
      .Bind(4, r.name)
      .Bind(5, ToString(r.status))
      .Bind(6, r.status_reason)
      .Bind(7, r.message)
      .Bind(8, vars.dump())
      .Bind(9, r.pacing.max_mps)
      .Bind(10, r.pacing.delay_ms)
      .Bind(11, r.pacing.jitter_ms)
      .Bind(12, r.start_at)
      .Bind(13, r.expires_at)
      .Bind(14, r.ttl_s)
      .Bind(15, r.created_at)
      .Bind(16, r.created_at)
      .Run();
}

std::optional<CampaignRecord> Get(Connection& c, const std::string& id) {
  Statement s = c.Prepare(std::string("SELECT ") + kColumns + " FROM campaigns WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) return std::nullopt;
  CampaignRecord r = ReadCampaign(s);
  ReadErrors(c, r);
  return r;
}

std::vector<CampaignRecord> List(Connection& c, const std::optional<std::string>& tenant_id,
                                 std::optional<CampaignStatus> status, const std::optional<std::string>& before_id,
                                 int64_t limit) {
  std::optional<std::string> status_text;
  if (status) status_text = ToString(*status);
  // Ids are time-ordered (core/ids), so "before this id" pages newest first.
  Statement s = c.Prepare(std::string("SELECT ") + kColumns +
                          " FROM campaigns WHERE (?1 IS NULL OR tenant_id = ?1) AND (?2 IS NULL OR status = ?2)"
                          " AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4");
  s.Bind(1, tenant_id).Bind(2, status_text).Bind(3, before_id).Bind(4, limit);
  std::vector<CampaignRecord> out;
  while (s.Step()) out.push_back(ReadCampaign(s));
  for (auto& r : out) ReadErrors(c, r);
  return out;
}

std::vector<CampaignRecord> Active(Connection& c) {
  Statement s = c.Prepare(std::string("SELECT ") + kColumns +
                          " FROM campaigns WHERE status IN ('scheduled', 'running', 'paused') ORDER BY id");
  std::vector<CampaignRecord> out;
  while (s.Step()) out.push_back(ReadCampaign(s));
  return out;
}

void SetStatus(Connection& c, const std::string& id, CampaignStatus to, const std::optional<std::string>& reason,
               int64_t now_ms) {
  bool ends = to == CampaignStatus::kCompleted || to == CampaignStatus::kCancelled || to == CampaignStatus::kExpired;
  c.Prepare(
       "UPDATE campaigns SET status = ?, status_reason = ?, updated_at = ?, "
       "started_at = CASE WHEN ? THEN COALESCE(started_at, ?) ELSE started_at END, "
       "completed_at = CASE WHEN ? THEN ? ELSE completed_at END WHERE id = ?")
      .Bind(1, ToString(to))
      .Bind(2, reason)
      .Bind(3, now_ms)
      .Bind(4, int64_t{to == CampaignStatus::kRunning})
      .Bind(5, now_ms)
      .Bind(6, int64_t{ends})
      .Bind(7, now_ms)
      .Bind(8, id)
      .Run();
}

void EmitTransition(Connection& c, const CampaignRecord& before, const CampaignRecord& after, int64_t now_ms) {
  std::string type = CampaignEventType(before, after.status);
  event_repo::Emit(c, after.tenant_id, type, [&] { return CampaignEvent(after, type, now_ms); });
}

void EndUnsent(Connection& c, const std::string& id, const std::string& reason, int64_t now_ms) {
  c.Prepare("UPDATE campaign_recipients SET status = ?, updated_at = ? WHERE campaign_id = ? AND status = 'pending'")
      .Bind(1, reason)
      .Bind(2, now_ms)
      .Bind(3, id)
      .Run();
  int64_t ended = c.Changes();
  std::string column = reason == "expired" ? "expired" : "cancelled";
  c.Prepare("UPDATE campaigns SET pending = pending - ?1, " + column + " = " + column + " + ?1 WHERE id = ?2")
      .Bind(1, ended)
      .Bind(2, id)
      .Run();
  // Messages already queued but not claimed: they fail with the same reason (OnMessageTransition
  // moves their recipients). A claimed one is on its way to Meta and ends as Meta says.
  std::vector<std::string> queued;
  {
    Statement s = c.Prepare("SELECT id FROM messages WHERE campaign_id = ? AND status = 'queued'");
    s.Bind(1, id);
    while (s.Step()) queued.push_back(s.Text(0));
  }
  std::string details = reason == "expired" ? "the campaign's validity ended before this message could be sent"
                                            : "the campaign was cancelled before this message was sent";
  for (const auto& message_id : queued) message_repo::MarkFailed(c, message_id, {0, reason, details}, now_ms);
}

bool RecipientPhones::Insert(const std::string& phone) {
  // "+" and 1..15 digits, no leading zero: the digits' value is the key (E.164 has no leading zero,
  // so no two numbers share one).
  if (phone.size() >= 2 && phone.size() <= 16 && phone[0] == '+' && phone[1] != '0') {
    uint64_t key = 0;
    bool digits = true;
    for (size_t i = 1; i < phone.size() && digits; ++i) {
      digits = phone[i] >= '0' && phone[i] <= '9';
      key = key * 10 + static_cast<uint64_t>(phone[i] - '0');
    }
    if (digits) return numbers_.Insert(key);
  }
  return others_.insert(phone).second;
}

UploadTicket BeginUpload(Connection& c, const CampaignRecord& r, RecipientPhones& phones) {
  // An upload that never finished (cut off, or the process died) left rows that count nowhere.
  c.Prepare("DELETE FROM campaign_recipients WHERE campaign_id = ? AND upload > ?")
      .Bind(1, r.id)
      .Bind(2, r.uploads)
      .Run();
  c.Prepare("DELETE FROM campaign_rejected WHERE campaign_id = ? AND upload > ?")
      .Bind(1, r.id)
      .Bind(2, r.uploads)
      .Run();
  Statement phone_rows = c.Prepare("SELECT phone FROM campaign_recipients WHERE campaign_id = ?");
  phone_rows.Bind(1, r.id);
  while (phone_rows.Step()) phones.Insert(phone_rows.Text(0));
  Statement s = c.Prepare("SELECT COALESCE(MAX(seq) + 1, 0) FROM campaign_recipients WHERE campaign_id = ?");
  s.Bind(1, r.id);
  s.Step();
  return UploadTicket{r.id, r.uploads + 1, s.Int(0)};
}

void AddRecipients(Connection& c, UploadTicket& t, const std::string& tenant_id, const std::vector<RecipientRow>& rows,
                   const std::vector<RejectedRow>& rejected, UploadCounts& counts, RecipientPhones& phones) {
  auto reject = [&](const RejectedRow& r) {
    c.Prepare("INSERT OR REPLACE INTO campaign_rejected(campaign_id, upload, row, phone, reason) VALUES (?,?,?,?,?)")
        .Bind(1, t.campaign_id)
        .Bind(2, t.upload)
        .Bind(3, r.row)
        .Bind(4, r.phone)
        .Bind(5, r.reason)
        .Run();
  };
  for (const auto& r : rejected) {
    reject(r);
    ++counts.invalid;
  }
  for (const auto& r : rows) {
    if (!phones.Insert(r.phone)) {  // the campaign has this number already
      reject({r.row, r.phone, "duplicate"});
      ++counts.duplicates;
      continue;
    }
    if (IsSuppressed(c, tenant_id, r.phone)) {
      reject({r.row, r.phone, "suppressed"});
      ++counts.suppressed;
      continue;
    }
    c.Prepare(
         "INSERT INTO campaign_recipients(campaign_id, seq, upload, row, phone, variables, status) "
         "VALUES (?,?,?,?,?,?,'pending')")
        .Bind(1, t.campaign_id)
        .Bind(2, t.next_seq)
        .Bind(3, t.upload)
        .Bind(4, r.row)
        .Bind(5, r.phone)
        .Bind(6, r.variables)
        .Run();
    ++t.next_seq;
    ++counts.accepted;
  }
}

void FinishUpload(Connection& c, const UploadTicket& t, const UploadCounts& counts, int64_t now_ms) {
  c.Prepare(
       "UPDATE campaigns SET uploads = ?, total = total + ?, invalid = invalid + ?, duplicates = duplicates + ?, "
       "suppressed = suppressed + ?, pending = pending + ?, updated_at = ? WHERE id = ?")
      .Bind(1, t.upload)
      .Bind(2, counts.accepted + counts.invalid + counts.duplicates + counts.suppressed)
      .Bind(3, counts.invalid)
      .Bind(4, counts.duplicates)
      .Bind(5, counts.suppressed)
      .Bind(6, counts.accepted)
      .Bind(7, now_ms)
      .Bind(8, t.campaign_id)
      .Run();
}

void AbortUpload(Connection& c, const UploadTicket& t) {
  c.Prepare("DELETE FROM campaign_recipients WHERE campaign_id = ? AND upload = ?")
      .Bind(1, t.campaign_id)
      .Bind(2, t.upload)
      .Run();
  c.Prepare("DELETE FROM campaign_rejected WHERE campaign_id = ? AND upload = ?")
      .Bind(1, t.campaign_id)
      .Bind(2, t.upload)
      .Run();
}

std::vector<std::pair<int64_t, RejectedRow>> Rejected(Connection& c, const std::string& id,
                                                      std::pair<int64_t, int64_t> after, int64_t limit) {
  // Only completed uploads: an upload in progress is not the campaign's yet.
  Statement s = c.Prepare(
      "SELECT r.upload, r.row, r.phone, r.reason FROM campaign_rejected r JOIN campaigns c ON c.id = r.campaign_id "
      "WHERE r.campaign_id = ? AND r.upload <= c.uploads AND (r.upload, r.row) > (?, ?) "
      "ORDER BY r.upload, r.row LIMIT ?");
  s.Bind(1, id).Bind(2, after.first).Bind(3, after.second).Bind(4, limit);
  std::vector<std::pair<int64_t, RejectedRow>> out;
  while (s.Step()) out.push_back({s.Int(0), RejectedRow{s.Int(1), s.Text(2), s.Text(3)}});
  return out;
}

std::vector<PendingRecipient> NextPending(Connection& c, const std::string& id, const std::string& tenant_id,
                                          int64_t after_seq, int64_t limit) {
  Statement s = c.Prepare(
      "SELECT r.seq, r.phone, r.variables, s.phone IS NOT NULL FROM campaign_recipients r "
      "LEFT JOIN suppressions s ON s.tenant_id = ? AND s.phone = r.phone "
      "WHERE r.campaign_id = ? AND r.seq > ? AND r.status = 'pending' ORDER BY r.seq LIMIT ?");
  s.Bind(1, tenant_id).Bind(2, id).Bind(3, after_seq).Bind(4, limit);
  std::vector<PendingRecipient> out;
  while (s.Step()) out.push_back(PendingRecipient{s.Int(0), s.Text(1), s.Text(2), s.Int(3) != 0});
  return out;
}

void SkipRecipients(Connection& c, const std::string& id, const std::vector<SkippedRecipient>& skipped,
                    int64_t now_ms) {
  int64_t suppressed = 0, invalid = 0;
  for (const auto& k : skipped) {
    bool is_suppressed = k.reason == "suppressed";
    c.Prepare(
         "UPDATE campaign_recipients SET status = ?, updated_at = ? WHERE campaign_id = ? AND seq = ? "
         "AND status = 'pending'")
        .Bind(1, is_suppressed ? "suppressed" : "invalid")
        .Bind(2, now_ms)
        .Bind(3, id)
        .Bind(4, k.seq)
        .Run();
    if (c.Changes() == 0) continue;
    if (is_suppressed) {
      ++suppressed;
      continue;
    }
    ++invalid;
    c.Prepare(
         "INSERT OR REPLACE INTO campaign_rejected(campaign_id, upload, row, phone, reason) "
         "SELECT campaign_id, upload, row, phone, ? FROM campaign_recipients WHERE campaign_id = ? AND seq = ?")
        .Bind(1, k.reason)
        .Bind(2, id)
        .Bind(3, k.seq)
        .Run();
  }
  c.Prepare(
       "UPDATE campaigns SET pending = pending - ?1 - ?2, suppressed = suppressed + ?1, invalid = invalid + ?2, "
       "updated_at = ?3 WHERE id = ?4")
      .Bind(1, suppressed)
      .Bind(2, invalid)
      .Bind(3, now_ms)
      .Bind(4, id)
      .Run();
}

std::vector<PendingMessage> QueuedMessages(Connection& c, const std::string& id) {
  Statement s = c.Prepare(
      "SELECT id, outlet_id, next_attempt_at, to_number, priority FROM messages "
      "WHERE campaign_id = ? AND status = 'queued' ORDER BY campaign_seq");
  s.Bind(1, id);
  std::vector<PendingMessage> out;
  while (s.Step()) {
    out.push_back(PendingMessage{s.Text(0), s.Text(1), core::MessageStatus::kQueued, s.Int(2), s.Text(3), s.Int(4)});
  }
  return out;
}

std::vector<RecipientOutcome> Outcomes(Connection& c, const std::string& id, int64_t after_seq, int64_t limit) {
  std::vector<RecipientOutcome> out;
  Statement s = c.Prepare(
      "SELECT r.seq, r.upload, r.row, r.phone, r.variables, r.status, r.message_id, m.wamid, m.error_code, "
      "m.error_title, m.error_details, m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at, r.replied "
      "FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id "
      "LEFT JOIN messages m ON m.id = r.message_id "
      "WHERE r.campaign_id = ? AND r.upload <= c.uploads AND r.seq > ? ORDER BY r.seq LIMIT ?");
  s.Bind(1, id).Bind(2, after_seq).Bind(3, limit);
  while (s.Step()) {
    RecipientOutcome o;
    o.seq = s.Int(0);
    o.upload = s.Int(1);
    o.row = s.Int(2);
    o.phone = s.Text(3);
    o.variables = s.Text(4);
    o.status = s.Text(5);
    o.message_id = s.OptText(6);
    o.wamid = s.OptText(7);
    if (!s.IsNull(8)) o.error = GraphError{s.Int(8), s.Text(9), s.Text(10)};
    o.queued_at = s.OptInt(11);
    o.sent_at = s.OptInt(12);
    o.delivered_at = s.OptInt(13);
    o.read_at = s.OptInt(14);
    o.failed_at = s.OptInt(15);
    o.replied = s.Int(16) != 0;
    out.push_back(std::move(o));
  }
  return out;
}

int64_t ExpireDue(Connection& c, int64_t now_ms) {
  std::vector<std::string> due;
  {
    Statement s = c.Prepare(
        "SELECT id FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? AND status = 'queued' LIMIT 10000");
    s.Bind(1, now_ms);
    while (s.Step()) due.push_back(s.Text(0));
  }
  for (const auto& id : due) {
    message_repo::MarkFailed(c, id, {0, "expired", "the message's validity ended before it could be sent"}, now_ms);
  }
  return static_cast<int64_t>(due.size());
}

bool LinkMessage(Connection& c, const MessageRecord& m, int64_t now_ms) {
  c.Prepare(
       "UPDATE campaign_recipients SET status = 'queued', message_id = ?, updated_at = ? WHERE campaign_id = ? "
       "AND seq = ? AND status = 'pending'")
      .Bind(1, m.id)
      .Bind(2, now_ms)
      .Bind(3, *m.campaign_id)
      .Bind(4, m.campaign_seq.value_or(-1))
      .Run();
  if (c.Changes() == 0) return false;
  c.Prepare("UPDATE campaigns SET pending = pending - 1, fed = fed + 1, updated_at = ? WHERE id = ?")
      .Bind(1, now_ms)
      .Bind(2, *m.campaign_id)
      .Run();
  return true;
}

void OnMessageTransition(Connection& c, const std::string& message_id, int64_t now_ms) {
  std::string campaign_id, status, error_title;
  int64_t seq = 0, error_code = 0, reached = 0;
  {
    Statement s = c.Prepare(
        "SELECT campaign_id, campaign_seq, status, sent_at IS NOT NULL, delivered_at IS NOT NULL, "
        "read_at IS NOT NULL, error_code, error_title FROM messages WHERE id = ?");
    s.Bind(1, message_id);
    if (!s.Step() || s.IsNull(0)) return;  // a single send
    campaign_id = s.Text(0);
    seq = s.Int(1);
    status = s.Text(2);
    reached = s.Int(5) ? 3 : s.Int(4) ? 2 : s.Int(3) ? 1 : 0;
    error_code = s.IsNull(6) ? 0 : s.Int(6);
    error_title = s.IsNull(7) ? "" : s.Text(7);
  }
  if (status == "sending") status = "queued";  // a claim is not progress a campaign reports
  if (status == "sent") reached = std::max<int64_t>(reached, 1);
  if (status == "delivered") reached = std::max<int64_t>(reached, 2);
  if (status == "read") reached = 3;
  // A message the gateway ended itself (the campaign was cancelled, or its validity ended).
  if (status == "failed" && error_code == 0 && (error_title == "cancelled" || error_title == "expired")) {
    status = error_title;
  }
  std::string old_status;
  int64_t old_reached = 0;
  {
    Statement s = c.Prepare("SELECT status, reached FROM campaign_recipients WHERE campaign_id = ? AND seq = ?");
    s.Bind(1, campaign_id).Bind(2, seq);
    if (!s.Step()) return;
    old_status = s.Text(0);
    old_reached = s.Int(1);
  }
  reached = std::max(reached, old_reached);
  if (old_status == status && old_reached == reached) return;
  auto was = [&](const char* st) { return int64_t{old_status == st}; };
  auto is = [&](const char* st) { return int64_t{status == st}; };
  c.Prepare("UPDATE campaign_recipients SET status = ?, reached = ?, updated_at = ? WHERE campaign_id = ? AND seq = ?")
      .Bind(1, status)
      .Bind(2, reached)
      .Bind(3, now_ms)
      .Bind(4, campaign_id)
      .Bind(5, seq)
      .Run();
  c.Prepare(
       "UPDATE campaigns SET settled = settled + ?, sent = sent + ?, delivered = delivered + ?, read = read + ?, "
       "failed = failed + ?, in_doubt = in_doubt + ?, cancelled = cancelled + ?, expired = expired + ?, "
       "updated_at = ? WHERE id = ?")
      .Bind(1, int64_t{Settled(status)} - int64_t{Settled(old_status)})
      .Bind(2, int64_t{reached >= 1 && old_reached < 1})
      .Bind(3, int64_t{reached >= 2 && old_reached < 2})
      .Bind(4, int64_t{reached >= 3 && old_reached < 3})
      .Bind(5, is("failed") - was("failed"))
      .Bind(6, is("unknown") - was("unknown"))
      .Bind(7, is("cancelled") - was("cancelled"))
      .Bind(8, is("expired") - was("expired"))
      .Bind(9, now_ms)
      .Bind(10, campaign_id)
      .Run();
  if (status == "failed" && old_status != "failed" && error_code != 0) {
    c.Prepare(
         "INSERT INTO campaign_errors(campaign_id, code, n) VALUES (?, ?, 1) "
         "ON CONFLICT(campaign_id, code) DO UPDATE SET n = n + 1")
        .Bind(1, campaign_id)
        .Bind(2, error_code)
        .Run();
  }
}

void NoteReply(Connection& c, const std::string& conversation_id, int64_t now_ms) {
  std::string campaign_id;
  int64_t seq = 0;
  {
    Statement s = c.Prepare(
        "SELECT campaign_id, campaign_seq FROM messages WHERE conversation_ref = ? AND campaign_id IS NOT NULL "
        "AND sent_at IS NOT NULL ORDER BY created_at DESC LIMIT 1");
    s.Bind(1, conversation_id);
    if (!s.Step()) return;
    campaign_id = s.Text(0);
    seq = s.Int(1);
  }
  c.Prepare(
       "UPDATE campaign_recipients SET replied = 1, updated_at = ? WHERE campaign_id = ? AND seq = ? AND replied = 0")
      .Bind(1, now_ms)
      .Bind(2, campaign_id)
      .Bind(3, seq)
      .Run();
  if (c.Changes() == 0) return;
  c.Prepare("UPDATE campaigns SET replied = replied + 1, updated_at = ? WHERE id = ?")
      .Bind(1, now_ms)
      .Bind(2, campaign_id)
      .Run();
}

void Suppress(Connection& c, const SuppressionRecord& s) {
  c.Prepare(
       "INSERT INTO suppressions(tenant_id, phone, reason, source, created_at) VALUES (?,?,?,?,?) "
       "ON CONFLICT(tenant_id, phone) DO UPDATE SET reason = excluded.reason, source = excluded.source")
      .Bind(1, s.tenant_id)
      .Bind(2, s.phone)
      .Bind(3, s.reason)
      .Bind(4, s.source)
      .Bind(5, s.created_at)
      .Run();
}

bool Unsuppress(Connection& c, const std::string& tenant_id, const std::string& phone) {
  c.Prepare("DELETE FROM suppressions WHERE tenant_id = ? AND phone = ?").Bind(1, tenant_id).Bind(2, phone).Run();
  return c.Changes() > 0;
}

std::vector<SuppressionRecord> Suppressions(Connection& c, const std::string& tenant_id,
                                            const std::optional<std::string>& after_phone, int64_t limit) {
  Statement s = c.Prepare(
      "SELECT tenant_id, phone, reason, source, created_at FROM suppressions WHERE tenant_id = ?1 "
      "AND (?2 IS NULL OR phone > ?2) ORDER BY phone LIMIT ?3");
  s.Bind(1, tenant_id).Bind(2, after_phone).Bind(3, limit);
  std::vector<SuppressionRecord> out;
  while (s.Step()) out.push_back(SuppressionRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)});
  return out;
}

bool IsSuppressed(Connection& c, const std::string& tenant_id, const std::string& phone) {
  Statement s = c.Prepare("SELECT 1 FROM suppressions WHERE tenant_id = ? AND phone = ?");
  s.Bind(1, tenant_id).Bind(2, phone);
  return s.Step();
}

void DeleteTenant(Connection& c, const std::string& tenant_id) {
  for (const char* table : {"campaign_recipients", "campaign_rejected", "campaign_errors"}) {
    c.Prepare(std::string("DELETE FROM ") + table +
              " WHERE campaign_id IN (SELECT id FROM campaigns WHERE tenant_id = ?)")
        .Bind(1, tenant_id)
        .Run();
  }
  c.Prepare("DELETE FROM campaigns WHERE tenant_id = ?").Bind(1, tenant_id).Run();
  c.Prepare("DELETE FROM suppressions WHERE tenant_id = ?").Bind(1, tenant_id).Run();
}

}  // namespace wagate::store::sqlite::campaign_repo
