#include "wagate/store/sqlite/conversation_repo.hpp"

#include <algorithm>

#include "wagate/core/ids.hpp"
#include "wagate/store/event_payloads.hpp"
#include "wagate/store/record_json.hpp"
#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/event_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"

namespace wagate::store::sqlite::conversation_repo {
namespace {

Direction ParseDirection(const std::string& s) { return s == "outbound" ? Direction::kOutbound : Direction::kInbound; }

const char* kConversationColumns =
    "id, tenant_id, outlet_id, wa_id, profile_name, unread_count, last_inbound_at, last_id, last_direction, "
    "last_type, last_preview, last_at, created_at, updated_at";

ConversationRecord ReadConversation(Statement& s) {
  ConversationRecord r;
  r.id = s.Text(0);
  r.tenant_id = s.Text(1);
  r.outlet_id = s.Text(2);
  r.wa_id = s.Text(3);
  r.profile_name = s.OptText(4);
  r.unread_count = s.Int(5);
  r.last_inbound_at = s.OptInt(6);
  if (!s.IsNull(7))
    r.last_message = LastMessage{s.Text(7), ParseDirection(s.Text(8)), s.Text(9), s.Text(10), s.Int(11)};
  r.created_at = s.Int(12);
  r.updated_at = s.Int(13);
  return r;
}

const char* kInboundColumns =
    "i.id, i.wamid, i.type, i.content, i.preview, i.context_id, i.context_from, i.forwarded, i.frequently_forwarded, "
    "i.referral, i.errors, i.media_id, i.at, c.outlet_id, c.wa_id, o.phone_number_id";

HistoryItem ReadInbound(Statement& s) {
  HistoryItem h;
  h.direction = Direction::kInbound;
  h.id = s.Text(0);
  h.wamid = s.Text(1);
  h.type = s.Text(2);
  h.at_ms = s.Int(12);
  core::InboundMessage m;
  m.wamid = s.Text(1);
  m.type = h.type;
  m.content = s.Text(3);
  m.preview = s.Text(4);
  m.context_id = s.OptText(5);
  m.context_from = s.OptText(6);
  m.forwarded = s.Int(7) != 0;
  m.frequently_forwarded = s.Int(8) != 0;
  m.referral = s.OptText(9);
  m.errors = s.OptText(10);
  m.media_id = s.OptText(11);
  m.at_ms = h.at_ms;
  m.from = s.Text(14);
  m.phone_number_id = s.Text(15);
  h.inbound = std::move(m);
  return h;
}

// After a cursor: inbound items sort before outbound ones of the same millisecond (direction is the
// second key). Each case is its own statement, so the bound is an index range, not a filter.
std::string AfterCursor(const HistoryFilter& f, Direction page, const char* at, const char* id) {
  if (!f.after) return " AND ?2 IS NULL AND ?3 = ''";
  std::string t(at), i(id);
  if (f.after->direction == page) return " AND (" + t + ", " + i + ") > (?2, ?3)";
  return page == Direction::kInbound ? " AND " + t + " > ?2 AND ?3 = ?3" : " AND " + t + " >= ?2 AND ?3 = ?3";
}

std::vector<HistoryItem> InboundPage(Connection& c, const HistoryFilter& f) {
  Statement s = c.Prepare(std::string("SELECT ") + kInboundColumns +
                          " FROM inbound_messages i JOIN conversations c ON c.id = i.conversation_id"
                          " JOIN outlets o ON o.id = c.outlet_id WHERE i.conversation_id = ?1" +
                          AfterCursor(f, Direction::kInbound, "i.at", "i.id") + " ORDER BY i.at, i.id LIMIT ?4");
  s.Bind(1, f.conversation_id)
      .Bind(2, f.after ? std::optional<int64_t>(f.after->at_ms) : std::nullopt)
      .Bind(3, f.after ? f.after->id : std::string())
      .Bind(4, f.limit);
  std::vector<HistoryItem> out;
  while (s.Step()) out.push_back(ReadInbound(s));
  return out;
}

HistoryItem FromMessage(MessageRecord&& m) {
  HistoryItem h;
  h.direction = Direction::kOutbound;
  h.id = std::move(m.id);
  h.wamid = std::move(m.wamid);
  h.type = std::move(m.message_type);
  h.at_ms = m.created_at;
  h.graph_request = std::move(m.graph_request);
  h.body_text = std::move(m.body_text);
  h.status = m.status;
  h.caller_conversation_id = std::move(m.conversation_id);
  h.error = std::move(m.error);
  h.sent_at = m.sent_at;
  h.delivered_at = m.delivered_at;
  h.read_at = m.read_at;
  h.failed_at = m.failed_at;
  return h;
}

std::vector<HistoryItem> OutboundPage(Connection& c, const HistoryFilter& f) {
  Statement s =
      c.Prepare("SELECT id FROM messages WHERE conversation_ref = ?1" +
                AfterCursor(f, Direction::kOutbound, "created_at", "id") + " ORDER BY created_at, id LIMIT ?4");
  s.Bind(1, f.conversation_id)
      .Bind(2, f.after ? std::optional<int64_t>(f.after->at_ms) : std::nullopt)
      .Bind(3, f.after ? f.after->id : std::string())
      .Bind(4, f.limit);
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  std::vector<HistoryItem> out;
  for (const auto& id : ids) {
    if (auto m = message_repo::Get(c, id)) out.push_back(FromMessage(std::move(*m)));
  }
  return out;
}

bool Before(const HistoryItem& a, const HistoryItem& b) {
  if (a.at_ms != b.at_ms) return a.at_ms < b.at_ms;
  if (a.direction != b.direction) return a.direction == Direction::kInbound;
  return a.id < b.id;
}

void AttachReactions(Connection& c, const std::string& outlet_id, std::vector<HistoryItem>& items) {
  Statement s = c.Prepare(
      "SELECT emoji, wa_id, at FROM reactions WHERE outlet_id = ? AND target_wamid = ? AND emoji <> '' "
      "ORDER BY at, wa_id");
  for (auto& item : items) {
    if (!item.wamid) continue;
    s.Reset();
    s.Bind(1, outlet_id).Bind(2, *item.wamid);
    while (s.Step()) item.reactions.push_back(Reaction{s.Text(0), s.Text(1), s.Int(2)});
  }
}

}  // namespace

std::string NoteMessage(Connection& c, const MessageNote& n, int64_t now_ms) {
  // Unqualified names in DO UPDATE are the stored row; every SET reads the row as it was.
  static const std::string kNewer =
      "(last_at IS NULL OR excluded.last_at > last_at OR (excluded.last_at = last_at AND excluded.last_id > "
      "last_id))";
  static const std::string kNewerName =
      "(excluded.profile_name IS NOT NULL AND (profile_name_at IS NULL OR excluded.profile_name_at >= "
      "profile_name_at))";
  static const std::string kSql =
      "INSERT INTO conversations(id, tenant_id, outlet_id, wa_id, profile_name, profile_name_at, unread_count, "
      "last_inbound_at, last_id, last_direction, last_type, last_preview, last_at, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?5 IS NULL THEN NULL ELSE ?12 END, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
      "?13) ON CONFLICT(outlet_id, wa_id) DO UPDATE SET "
      "unread_count = unread_count + excluded.unread_count, "
      "last_inbound_at = CASE WHEN excluded.last_inbound_at IS NULL THEN last_inbound_at "
      "ELSE MAX(COALESCE(last_inbound_at, 0), excluded.last_inbound_at) END, "
      "profile_name = CASE WHEN " +
      kNewerName +
      " THEN excluded.profile_name ELSE profile_name END, "
      "profile_name_at = CASE WHEN " +
      kNewerName +
      " THEN excluded.profile_name_at ELSE profile_name_at END, "
      "last_id = CASE WHEN " +
      kNewer +
      " THEN excluded.last_id ELSE last_id END, "
      "last_direction = CASE WHEN " +
      kNewer +
      " THEN excluded.last_direction ELSE last_direction END, "
      "last_type = CASE WHEN " +
      kNewer +
      " THEN excluded.last_type ELSE last_type END, "
      "last_preview = CASE WHEN " +
      kNewer +
      " THEN excluded.last_preview ELSE last_preview END, "
      "last_at = CASE WHEN " +
      kNewer +
      " THEN excluded.last_at ELSE last_at END, "
      "updated_at = MAX(updated_at, excluded.updated_at)";
  bool inbound = n.message.direction == Direction::kInbound;
  Statement s = c.Prepare(kSql);
  s.Bind(1, core::NewId("cnv_", now_ms))
      .Bind(2, n.tenant_id)
      .Bind(3, n.outlet_id)
      .Bind(4, n.wa_id)
      .Bind(5, n.profile_name)
      .Bind(6, static_cast<int64_t>(n.unread ? 1 : 0))
      .Bind(7, inbound ? std::optional<int64_t>(n.message.at_ms) : std::nullopt)
      .Bind(8, n.message.id)
      .Bind(9, DirectionName(n.message.direction))
      .Bind(10, n.message.type)
      .Bind(11, n.message.preview)
      .Bind(12, n.message.at_ms)
      .Bind(13, now_ms)
      .Run();
  // Read back rather than with RETURNING, which would collect the row in a temporary b-tree on every
  // call (this runs for every message accepted or received).
  Statement id = c.Prepare("SELECT id FROM conversations WHERE outlet_id = ? AND wa_id = ?");
  id.Bind(1, n.outlet_id).Bind(2, n.wa_id);
  if (!id.Step()) throw StoreError("the upserted conversation is gone", 0);
  return id.Text(0);
}

InboundResult StoreInbound(Connection& c, const InboundWrite& w, int64_t now_ms) {
  const core::InboundMessage& m = w.message;
  Statement seen = c.Prepare("SELECT 1 FROM inbound_messages WHERE outlet_id = ? AND wamid = ?");
  seen.Bind(1, w.outlet_id).Bind(2, m.wamid);
  bool duplicate = seen.Step();
  seen.Reset();
  if (duplicate) return InboundResult::kDuplicate;
  MessageNote note{w.tenant_id, w.outlet_id,
                   m.from,      LastMessage{w.id, Direction::kInbound, m.type, m.preview, m.at_ms},
                   true,        m.profile_name.empty() ? std::nullopt : std::optional<std::string>(m.profile_name)};
  std::string conversation_id = NoteMessage(c, note, now_ms);
  c.Prepare(
       "INSERT INTO inbound_messages(id, conversation_id, outlet_id, wamid, type, content, preview, context_id, "
       "context_from, forwarded, frequently_forwarded, referral, errors, media_id, at, received_at) "
       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, w.id)
      .Bind(2, conversation_id)
      .Bind(3, w.outlet_id)
      .Bind(4, m.wamid)
      .Bind(5, m.type)
      .Bind(6, m.content)
      .Bind(7, m.preview)
      .Bind(8, m.context_id)
      .Bind(9, m.context_from)
      .Bind(10, static_cast<int64_t>(m.forwarded))
      .Bind(11, static_cast<int64_t>(m.frequently_forwarded))
      .Bind(12, m.referral)
      .Bind(13, m.errors)
      .Bind(14, m.media_id)
      .Bind(15, m.at_ms)
      .Bind(16, now_ms)
      .Run();
  event_repo::Emit(c, w.tenant_id, "message.received", [&] {
    // A reply belongs to the caller's thread of the newest send to this customer that named one.
    Statement thread = c.Prepare(
        "SELECT conversation_id FROM messages WHERE conversation_ref = ? AND conversation_id IS NOT NULL "
        "ORDER BY created_at DESC LIMIT 1");
    thread.Bind(1, conversation_id);
    std::optional<std::string> caller = thread.Step() ? thread.OptText(0) : std::nullopt;
    thread.Reset();
    return ReceivedEvent(w, conversation_id, caller, now_ms);
  });
  EmitUpdated(c, w.tenant_id, conversation_id, now_ms);
  campaign_repo::NoteReply(c, conversation_id, now_ms);
  if (w.opt_out) {  // "STOP": never again in a campaign of this tenant
    campaign_repo::Suppress(c,
                            SuppressionRecord{w.tenant_id, "+" + m.from, "opt_out: " + m.preview, "opt_out", now_ms});
  }
  return InboundResult::kStored;
}

ReactionResult StoreReaction(Connection& c, const InboundWrite& w, int64_t now_ms) {
  const core::InboundMessage& m = w.message;
  const std::string& target = m.reaction_to.value_or("");
  c.Prepare(
       "INSERT INTO reactions(outlet_id, target_wamid, wa_id, emoji, at, reaction_wamid) VALUES (?,?,?,?,?,?) "
       "ON CONFLICT(outlet_id, target_wamid, wa_id) DO UPDATE SET emoji = excluded.emoji, at = excluded.at, "
       "reaction_wamid = excluded.reaction_wamid WHERE excluded.at > reactions.at OR (excluded.at = reactions.at "
       "AND excluded.reaction_wamid > reactions.reaction_wamid)")
      .Bind(1, w.outlet_id)
      .Bind(2, target)
      .Bind(3, m.from)
      .Bind(4, m.reaction_emoji)
      .Bind(5, m.at_ms)
      .Bind(6, m.wamid)
      .Run();
  if (c.Changes() == 0) return ReactionResult::kUnchanged;
  c.Prepare("UPDATE conversations SET updated_at = MAX(updated_at, ?) WHERE outlet_id = ? AND wa_id = ?")
      .Bind(1, now_ms)
      .Bind(2, w.outlet_id)
      .Bind(3, m.from)
      .Run();
  Statement known = c.Prepare(
      "SELECT 1 FROM inbound_messages WHERE outlet_id = ?1 AND wamid = ?2 "
      "UNION ALL SELECT 1 FROM messages WHERE wamid = ?2 AND outlet_id = ?1 LIMIT 1");
  known.Bind(1, w.outlet_id).Bind(2, target);
  bool found = known.Step();
  known.Reset();
  if (!found) return ReactionResult::kUnknownTarget;
  event_repo::Emit(c, w.tenant_id, "message.reaction", [&] { return ReactionEvent(w, now_ms); });
  return ReactionResult::kChanged;
}

std::vector<ConversationRecord> List(Connection& c, const ConversationFilter& f) {
  const ConversationCursor* after = f.after ? &*f.after : nullptr;
  // The leading equality is spelled out per case (not "?1 IS NULL OR …"), so the planner walks the
  // matching (…, updated_at, id) index in order and stops at the limit instead of sorting every row.
  std::string lead = f.outlet_id   ? "outlet_id = ?1 AND (?2 IS NULL OR tenant_id = ?2)"
                     : f.tenant_id ? "tenant_id = ?2 AND ?1 IS NULL"
                                   : "?1 IS NULL AND ?2 IS NULL";
  // A row-value bound is an index range: a deep page starts where the cursor points, not at the top.
  std::string page = after ? " AND (updated_at, id) < (?5, ?6)" : " AND ?5 IS NULL AND ?6 = ''";
  Statement s = c.Prepare(std::string("SELECT ") + kConversationColumns + " FROM conversations WHERE " + lead +
                          " AND (?3 = 0 OR unread_count > 0) AND (?4 IS NULL OR updated_at >= ?4)" + page +
                          " ORDER BY updated_at DESC, id DESC LIMIT ?7");
  s.Bind(1, f.outlet_id)
      .Bind(2, f.tenant_id)
      .Bind(3, static_cast<int64_t>(f.unread_only))
      .Bind(4, f.updated_since_ms)
      .Bind(5, after ? std::optional<int64_t>(after->updated_at) : std::nullopt)
      .Bind(6, after ? after->id : std::string())
      .Bind(7, f.limit);
  std::vector<ConversationRecord> out;
  while (s.Step()) out.push_back(ReadConversation(s));
  return out;
}

std::optional<ConversationRecord> Get(Connection& c, const std::string& id) {
  Statement s = c.Prepare(std::string("SELECT ") + kConversationColumns + " FROM conversations WHERE id = ?");
  s.Bind(1, id);
  std::optional<ConversationRecord> out;
  if (s.Step()) out = ReadConversation(s);
  s.Reset();
  return out;
}

std::vector<HistoryItem> History(Connection& c, const HistoryFilter& f) {
  auto conversation = Get(c, f.conversation_id);
  if (!conversation) return {};
  std::vector<HistoryItem> items;
  if (f.direction != Direction::kOutbound) items = InboundPage(c, f);
  if (f.direction != Direction::kInbound) {
    auto outbound = OutboundPage(c, f);
    items.insert(items.end(), std::make_move_iterator(outbound.begin()), std::make_move_iterator(outbound.end()));
  }
  std::sort(items.begin(), items.end(), Before);
  if (items.size() > static_cast<size_t>(f.limit)) items.resize(static_cast<size_t>(f.limit));
  AttachReactions(c, conversation->outlet_id, items);
  return items;
}

std::optional<HistoryItem> NewestInbound(Connection& c, const std::string& conversation_id) {
  Statement s = c.Prepare(std::string("SELECT ") + kInboundColumns +
                          " FROM inbound_messages i JOIN conversations c ON c.id = i.conversation_id"
                          " JOIN outlets o ON o.id = c.outlet_id WHERE i.conversation_id = ?"
                          " ORDER BY i.at DESC, i.id DESC LIMIT 1");
  s.Bind(1, conversation_id);
  std::optional<HistoryItem> out;
  if (s.Step()) out = ReadInbound(s);
  s.Reset();
  return out;
}

bool MarkRead(Connection& c, const std::string& id, int64_t now_ms) {
  std::optional<ConversationRecord> before = Get(c, id);
  if (!before) return false;
  c.Prepare(
       "UPDATE conversations SET unread_count = 0, updated_at = CASE WHEN unread_count > 0 THEN MAX(updated_at, ?) "
       "ELSE updated_at END WHERE id = ?")
      .Bind(1, now_ms)
      .Bind(2, id)
      .Run();
  if (before->unread_count > 0) EmitUpdated(c, before->tenant_id, id, now_ms);
  return true;
}

void EmitUpdated(Connection& c, const std::string& tenant_id, const std::string& id, int64_t now_ms) {
  event_repo::Emit(c, tenant_id, "conversation.updated",
                   [&] { return ConversationEvent(Get(c, id).value_or(ConversationRecord{}), now_ms); });
}

std::vector<ContactRecord> RecentContacts(Connection& c, int64_t since_ms) {
  Statement s = c.Prepare("SELECT outlet_id, wa_id, last_inbound_at FROM conversations WHERE last_inbound_at > ?");
  s.Bind(1, since_ms);
  std::vector<ContactRecord> out;
  while (s.Step()) out.push_back(ContactRecord{s.Text(0), s.Text(1), s.Int(2)});
  return out;
}

}  // namespace wagate::store::sqlite::conversation_repo
