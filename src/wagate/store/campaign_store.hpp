// Campaigns (bulk sends), their recipients and the per-tenant suppression list. Backend-neutral:
// implementations live under store/<backend>/ and pass store/conformance/campaign_store_conformance.hpp.
//
// A recipient is a row until the campaign runner turns it into a message through MessageStore::Accept
// (AcceptRequest::campaign links the two in the same write). From then on every transition of that
// message — sent, delivered, read, failed, in doubt, cancelled, expired — moves the recipient and the
// campaign's counters in the same write as the message itself, so progress is always one row read and
// never drifts from the messages after a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/store/message_store.hpp"

namespace wagate::store {

// Lifecycle: draft → scheduled → running ⇄ paused → completed | cancelled | expired.
enum class CampaignStatus { kDraft, kScheduled, kRunning, kPaused, kCompleted, kCancelled, kExpired };
const char* ToString(CampaignStatus s);
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view s);

struct CampaignCounts {
  int64_t total = 0;  // rows received by every upload
  int64_t invalid = 0;
  int64_t duplicates = 0;
  int64_t suppressed = 0;  // at upload, or when its turn came
  int64_t pending = 0;     // valid recipients not yet turned into messages
  int64_t fed = 0;         // turned into messages
  int64_t settled = 0;     // of those, no longer waiting to be sent
  int64_t sent = 0;        // reached at least sent (cumulative, like a funnel; delivered and read likewise)
  int64_t delivered = 0;
  int64_t read = 0;
  int64_t failed = 0;
  int64_t in_doubt = 0;  // `unknown` after a crash, until Meta's webhook settles it
  int64_t cancelled = 0;
  int64_t expired = 0;
  int64_t replied = 0;
  // Still to be sent: not yet turned into messages, or queued in the lane.
  int64_t queued() const { return pending + fed - settled; }
};

struct CampaignPacing {
  std::optional<int64_t> max_mps;    // a cap below the lane's own limits
  std::optional<int64_t> delay_ms;   // a fixed gap between two messages (human-like pacing)…
  std::optional<int64_t> jitter_ms;  // …plus up to this much at random
};

struct CampaignRecord {
  std::string id;
  std::string tenant_id;
  std::string outlet_id;
  std::string name;
  CampaignStatus status = CampaignStatus::kDraft;
  std::optional<std::string> status_reason;
  std::string message;                 // JSON object: the send's content members, placeholders unfilled
  std::vector<std::string> variables;  // the placeholders the message uses
  CampaignPacing pacing;
  std::optional<int64_t> start_at;
  std::optional<int64_t> expires_at;  // validity: recipients not sent by then end expired…
  std::optional<int64_t> ttl_s;       // …or this long after the campaign started
  int64_t uploads = 0;                // completed recipient uploads
  CampaignCounts counts;
  std::map<int64_t, int64_t> errors;  // Graph error code → failed recipients
  int64_t created_at = 0;
  std::optional<int64_t> started_at, completed_at;
  int64_t updated_at = 0;

  // When its validity ends, if it has one (ttl_s counts from the start).
  std::optional<int64_t> ValidUntil() const {
    if (expires_at) return expires_at;
    if (ttl_s && started_at) return *started_at + *ttl_s * 1000;
    return std::nullopt;
  }
};

// One uploaded row, already checked by the caller (phone in E.164, every variable present).
struct RecipientRow {
  int64_t row = 0;  // data row of its upload (1 = the first)
  std::string phone;
  std::string variables;  // JSON object
};

struct RejectedRow {
  int64_t row = 0;
  std::string phone;   // as given
  std::string reason;  // invalid_phone_number | duplicate | suppressed | missing_variable | wrong_field_count | …
};

struct UploadCounts {
  int64_t accepted = 0, invalid = 0, duplicates = 0, suppressed = 0;
};

// An upload in progress: rows land in pieces and count only once FinishUpload commits them; an
// upload that never finishes (cut off, or the process died) is removed by AbortUpload or at the
// next BeginUpload.
struct UploadTicket {
  std::string campaign_id;
  int64_t upload = 0;    // its number (1 = the campaign's first)
  int64_t next_seq = 0;  // the seq the next accepted row gets
  uint64_t attempt = 0;  // the store's mark of this attempt: a newer BeginUpload replaces an older
};

struct PendingRecipient {
  int64_t seq = 0;
  std::string phone;
  std::string variables;    // JSON object
  bool suppressed = false;  // on the tenant's suppression list now
};

struct SkippedRecipient {
  int64_t seq = 0;
  std::string reason;
};

// A recipient and where its message stands, for the export.
struct RecipientOutcome {
  int64_t seq = 0;
  int64_t upload = 0;
  int64_t row = 0;
  std::string phone;
  std::string variables;
  std::string status;
  std::optional<std::string> message_id, wamid;
  std::optional<GraphError> error;
  std::optional<int64_t> queued_at, sent_at, delivered_at, read_at, failed_at;
  bool replied = false;
};

struct SuppressionRecord {
  std::string tenant_id;
  std::string phone;
  std::string reason;
  std::string source;  // api | import | opt_out
  int64_t created_at = 0;
};

// Thread-safe. Writes are durable when they return.
class CampaignStore {
 public:
  virtual ~CampaignStore() = default;

  virtual core::Status Create(const CampaignRecord& c) = 0;
  // `tenant_id` nullopt: any tenant's (the admin); another tenant's campaign is not found.
  [[nodiscard]] virtual std::optional<CampaignRecord> Get(const std::optional<std::string>& tenant_id,
                                                          const std::string& id) = 0;
  // Newest first; `before_id` continues a page.
  [[nodiscard]] virtual std::vector<CampaignRecord> List(const std::optional<std::string>& tenant_id,
                                                         std::optional<CampaignStatus> status,
                                                         const std::optional<std::string>& before_id,
                                                         int64_t limit) = 0;
  // Scheduled, running and paused campaigns: the runner's work.
  [[nodiscard]] virtual std::vector<CampaignRecord> Active() = 0;

  // Moves the campaign from one of `from` to `to` atomically; kConflict `invalid_transition` from any
  // other status. Into cancelled or expired it also ends every unsent recipient in the same write:
  // those not yet messages, and those whose message is still queued (the message then fails with the
  // same reason and is never sent). Into running it stamps started_at once; into an end state,
  // completed_at.
  [[nodiscard]] virtual core::Result<CampaignRecord> Transition(
      const std::optional<std::string>& tenant_id, const std::string& id, const std::vector<CampaignStatus>& from,
      CampaignStatus to, const std::optional<std::string>& reason, int64_t now_ms) = 0;

  // Recipient uploads, while the campaign is a draft (kConflict `invalid_transition` otherwise).
  [[nodiscard]] virtual core::Result<UploadTicket> BeginUpload(const std::optional<std::string>& tenant_id,
                                                               const std::string& id) = 0;
  // Stores a piece of an upload: rows whose phone is already a recipient of the campaign, or on the
  // tenant's suppression list, are rejected (duplicate, suppressed) rather than stored. Adds to `counts`.
  [[nodiscard]] virtual core::Status AddRecipients(UploadTicket& ticket, const std::vector<RecipientRow>& rows,
                                                   const std::vector<RejectedRow>& rejected, UploadCounts& counts) = 0;
  [[nodiscard]] virtual core::Result<CampaignRecord> FinishUpload(const UploadTicket& ticket,
                                                                  const UploadCounts& counts, int64_t now_ms) = 0;
  virtual void AbortUpload(const UploadTicket& ticket) = 0;
  // Rejected rows of every upload, in upload and row order, after (upload, row).
  [[nodiscard]] virtual std::vector<std::pair<int64_t, RejectedRow>> Rejected(const std::string& id,
                                                                              std::pair<int64_t, int64_t> after,
                                                                              int64_t limit) = 0;

  // The next recipients still to be turned into messages, from `after_seq` on, in upload order.
  [[nodiscard]] virtual std::vector<PendingRecipient> NextPending(const std::string& id, int64_t after_seq,
                                                                  int64_t limit) = 0;
  // Recipients skipped when their turn came, never sent: found on the suppression list (reason
  // "suppressed"), or their message could not be built (any other reason: counted invalid and listed
  // among the rejected rows).
  virtual core::Status SkipRecipients(const std::string& id, const std::vector<SkippedRecipient>& skipped,
                                      int64_t now_ms) = 0;
  // The campaign's messages still queued (a resumed campaign puts them back in its lane).
  [[nodiscard]] virtual std::vector<PendingMessage> QueuedMessages(const std::string& id) = 0;
  // Every recipient with its message's state, in upload order, streamed: a page at a time, so that a
  // slow reader never holds the store open; each recipient's state is as of its page's read.
  virtual void ForEachOutcome(const std::string& id, const std::function<bool(const RecipientOutcome&)>& visit) = 0;

  // Messages (single or campaign) whose validity ended while queued: failed with reason expired.
  // Returns how many.
  virtual int64_t ExpireDue(int64_t now_ms) = 0;

  // Suppression list.
  virtual core::Status Suppress(const std::vector<SuppressionRecord>& entries) = 0;             // upsert
  virtual core::Status Unsuppress(const std::string& tenant_id, const std::string& phone) = 0;  // kNotFound
  [[nodiscard]] virtual std::vector<SuppressionRecord> Suppressions(const std::string& tenant_id,
                                                                    const std::optional<std::string>& after_phone,
                                                                    int64_t limit) = 0;
  [[nodiscard]] virtual bool IsSuppressed(const std::string& tenant_id, const std::string& phone) = 0;
};

}  // namespace wagate::store
