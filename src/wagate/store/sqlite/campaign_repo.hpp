// SQL of campaigns, their recipients and the suppression list: internals of SqliteCampaignStore, and
// the calls the message and conversation repositories make inside their own transactions so that a
// campaign's counters move in the same write as its messages.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wagate/core/u64_set.hpp"
#include "wagate/store/campaign_store.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::campaign_repo {

void Insert(Connection& c, const CampaignRecord& r);
std::optional<CampaignRecord> Get(Connection& c, const std::string& id);
std::vector<CampaignRecord> List(Connection& c, const std::optional<std::string>& tenant_id,
                                 std::optional<CampaignStatus> status, const std::optional<std::string>& before_id,
                                 int64_t limit);
std::vector<CampaignRecord> Active(Connection& c);
void SetStatus(Connection& c, const std::string& id, CampaignStatus to, const std::optional<std::string>& reason,
               int64_t now_ms);
// The campaign.* event of a transition (written only when a subscription takes it): `after` is the
// campaign once the whole transition is written, counters included.
void EmitTransition(Connection& c, const CampaignRecord& before, const CampaignRecord& after, int64_t now_ms);
// Every unsent recipient of the campaign ends `reason` (cancelled or expired): those not yet messages,
// and those whose message is still queued (the message fails with that reason).
void EndUnsent(Connection& c, const std::string& id, const std::string& reason, int64_t now_ms);

// The numbers a campaign has, held while an upload runs: duplicates are found here rather than by a
// unique index, which on a random key made every batch of a large upload rewrite thousands of
// scattered pages. 8 bytes a number (E.164 digits fit 64 bits).
class RecipientPhones final {
 public:
  // True when `phone` is new to the campaign (and now counted in).
  bool Insert(const std::string& phone);

 private:
  core::U64Set numbers_;
  std::set<std::string> others_;  // anything not "+digits": never from an upload, but kept exact
};

// Removes what unfinished uploads left (rows of an upload number above the completed count), loads
// the numbers earlier uploads brought into `phones`, and returns the next upload's ticket.
UploadTicket BeginUpload(Connection& c, const CampaignRecord& r, RecipientPhones& phones);
void AddRecipients(Connection& c, UploadTicket& t, const std::string& tenant_id, const std::vector<RecipientRow>& rows,
                   const std::vector<RejectedRow>& rejected, UploadCounts& counts, RecipientPhones& phones);
void FinishUpload(Connection& c, const UploadTicket& t, const UploadCounts& counts, int64_t now_ms);
void AbortUpload(Connection& c, const UploadTicket& t);
std::vector<std::pair<int64_t, RejectedRow>> Rejected(Connection& c, const std::string& id,
                                                      std::pair<int64_t, int64_t> after, int64_t limit);

std::vector<PendingRecipient> NextPending(Connection& c, const std::string& id, const std::string& tenant_id,
                                          int64_t after_seq, int64_t limit);
void SkipRecipients(Connection& c, const std::string& id, const std::vector<SkippedRecipient>& skipped, int64_t now_ms);
std::vector<PendingMessage> QueuedMessages(Connection& c, const std::string& id);
// Recipients after `after_seq`, in upload order, with their messages' state: a page of the export.
std::vector<RecipientOutcome> Outcomes(Connection& c, const std::string& id, int64_t after_seq, int64_t limit);
int64_t ExpireDue(Connection& c, int64_t now_ms);

// Inside MessageStore::Accept: the recipient of a campaign message becomes that message. False when
// the recipient is no longer pending (fed already, cancelled, expired): the accept must not happen.
bool LinkMessage(Connection& c, const MessageRecord& m, int64_t now_ms);
// After any change of a message's status: its recipient and campaign follow (nothing for a single send).
void OnMessageTransition(Connection& c, const std::string& message_id, int64_t now_ms);
// A customer's message in `conversation_id`: the newest campaign message sent there counts a reply.
void NoteReply(Connection& c, const std::string& conversation_id, int64_t now_ms);

void Suppress(Connection& c, const SuppressionRecord& s);
bool Unsuppress(Connection& c, const std::string& tenant_id, const std::string& phone);
std::vector<SuppressionRecord> Suppressions(Connection& c, const std::string& tenant_id,
                                            const std::optional<std::string>& after_phone, int64_t limit);
bool IsSuppressed(Connection& c, const std::string& tenant_id, const std::string& phone);

// Everything of a deleted tenant: campaigns, recipients, suppressions.
void DeleteTenant(Connection& c, const std::string& tenant_id);

}  // namespace wagate::store::sqlite::campaign_repo
