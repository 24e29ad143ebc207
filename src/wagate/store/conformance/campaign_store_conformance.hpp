// Conformance suite of store::CampaignStore: uploads (duplicates, suppressed numbers, unfinished uploads
// never count), transitions, recipients linked to messages exactly once, counters that follow every
// transition of the campaign's messages, paused campaigns' messages left unclaimed, cancel and expiry,
// message validity, replies, suppression list and tenant isolation.
#pragma once

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class CampaignStoreConformance : public StoreTest<Backend> {
 protected:
  CampaignStore& campaigns() { return *this->stores_.campaigns; }

  CampaignRecord Campaign(const std::string& id, const std::string& tenant = "t") {
    CampaignRecord c;
    c.id = id;
    c.tenant_id = tenant;
    c.outlet_id = "o";
    c.name = id;
    c.message = R"({"message_type":"text","message":"Hi {name}"})";
    c.variables = {"name"};
    c.created_at = c.updated_at = 1;
    EXPECT_TRUE(campaigns().Create(c).ok());
    return c;
  }
  // One finished upload of `phones` (row i+1 each); returns its counts.
  UploadCounts Upload(const std::string& id, const std::vector<std::string>& phones,
                      const std::vector<RejectedRow>& rejected = {}) {
    auto ticket = campaigns().BeginUpload(std::nullopt, id);
    EXPECT_TRUE(ticket.ok());
    UploadCounts counts;
    std::vector<RecipientRow> rows;
    for (size_t i = 0; i < phones.size(); ++i) {
      rows.push_back(RecipientRow{static_cast<int64_t>(i + 1), phones[i], R"({"name":"N)" + std::to_string(i) + "\"}"});
    }
    EXPECT_TRUE(campaigns().AddRecipients(*ticket, rows, rejected, counts).ok());
    EXPECT_TRUE(campaigns().FinishUpload(*ticket, counts, 10).ok());
    return counts;
  }
  CampaignRecord Move(const std::string& id, CampaignStatus from, CampaignStatus to, int64_t now = 100) {
    auto moved = campaigns().Transition(std::nullopt, id, {from}, to, std::nullopt, now);
    EXPECT_TRUE(moved.ok()) << (moved.ok() ? "" : moved.error().message);
    return moved.ok() ? *moved : CampaignRecord{};
  }
  // The runner's part: the recipient at `seq` becomes message `message_id`.
  core::Result<AcceptResult> Feed(const std::string& campaign, int64_t seq, const std::string& message_id,
                                  const std::string& phone, std::optional<int64_t> expires_at = std::nullopt) {
    AcceptRequest request;
    request.message = this->Queued(message_id);
    request.message.to_number = phone;
    request.message.priority = 1;
    request.message.campaign_id = campaign;
    request.message.campaign_seq = seq;
    request.message.expires_at = expires_at;
    request.month = "2026-12";
    return this->Accept(request);
  }
  CampaignCounts Counts(const std::string& id) {
    auto c = campaigns().Get(std::nullopt, id);
    EXPECT_TRUE(c.has_value());
    return c ? c->counts : CampaignCounts{};
  }
};
TYPED_TEST_SUITE_P(CampaignStoreConformance);

TYPED_TEST_P(CampaignStoreConformance, UploadsRejectDuplicatesAndSuppressedAndCountOnlyWhenFinished) {
  this->Campaign("c1");
  ASSERT_TRUE(this->campaigns().Suppress({SuppressionRecord{"t", "+4915100000003", "opt_out", "api", 1}}).ok());
  UploadCounts n = this->Upload("c1", {"+4915100000001", "+4915100000002", "+4915100000001", "+4915100000003"},
                                {RejectedRow{5, "garbage", "invalid_phone_number"}});
  EXPECT_EQ(n.accepted, 2);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.suppressed, 1);
  EXPECT_EQ(n.invalid, 1);
  // A second upload: a number of the first is a duplicate too.
  n = this->Upload("c1", {"+4915100000002", "+4915100000004"});
  EXPECT_EQ(n.accepted, 1);
  EXPECT_EQ(n.duplicates, 1);
  // An upload that never finishes counts nowhere, and the next upload clears what it left.
  auto cut = this->campaigns().BeginUpload(std::nullopt, "c1");
  ASSERT_TRUE(cut.ok());
  UploadCounts partial;
  ASSERT_TRUE(this->campaigns().AddRecipients(*cut, {RecipientRow{1, "+4915100000009", "{}"}}, {}, partial).ok());
  CampaignCounts c = this->Counts("c1");
  EXPECT_EQ(c.total, 7);
  EXPECT_EQ(c.pending, 3);
  EXPECT_EQ(c.queued(), 3);
  n = this->Upload("c1", {"+4915100000009"});
  EXPECT_EQ(n.accepted, 1);  // not a duplicate of the abandoned row
  auto rejected = this->campaigns().Rejected("c1", {0, 0}, 100);
  ASSERT_EQ(rejected.size(), 4u);
  EXPECT_EQ(rejected[0].first, 1);
  EXPECT_EQ(rejected[0].second.row, 3);
  EXPECT_EQ(rejected[0].second.reason, "duplicate");
  EXPECT_EQ(rejected[1].second.reason, "suppressed");
  EXPECT_EQ(rejected[2].second.reason, "invalid_phone_number");
  EXPECT_EQ(rejected[3].first, 2);
  // A number given twice is one recipient whatever became of the first (here: suppressed).
  n = this->Upload("c1", {"+4915100000003", "+4915100000003"});
  EXPECT_EQ(n.suppressed, 1);
  EXPECT_EQ(n.duplicates, 1);
  // One upload per campaign at a time: a newer one replaces an older, whose pieces are then refused.
  auto older = this->campaigns().BeginUpload(std::nullopt, "c1");
  auto newer = this->campaigns().BeginUpload(std::nullopt, "c1");
  ASSERT_TRUE(older.ok() && newer.ok());
  UploadCounts ignored;
  auto refused = this->campaigns().AddRecipients(*older, {RecipientRow{1, "+4915100000010", "{}"}}, {}, ignored);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_transition");
  this->campaigns().AbortUpload(*newer);
  // Only a draft takes recipients.
  this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning);
  EXPECT_EQ(this->campaigns().BeginUpload(std::nullopt, "c1").error().code, "invalid_transition");
}

TYPED_TEST_P(CampaignStoreConformance, TransitionsAreCheckedAtomically) {
  this->Campaign("c1");
  auto bad = this->campaigns().Transition(std::nullopt, "c1", {CampaignStatus::kRunning}, CampaignStatus::kPaused,
                                          std::nullopt, 5);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_transition");
  CampaignRecord running = this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning, 50);
  EXPECT_EQ(running.started_at, 50);
  this->Move("c1", CampaignStatus::kRunning, CampaignStatus::kPaused, 60);
  CampaignRecord again = this->Move("c1", CampaignStatus::kPaused, CampaignStatus::kRunning, 70);
  EXPECT_EQ(again.started_at, 50);  // the first start counts
  auto quota = this->campaigns().Transition(std::nullopt, "c1", {CampaignStatus::kRunning}, CampaignStatus::kPaused,
                                            std::string("quota_exceeded"), 80);
  ASSERT_TRUE(quota.ok());
  EXPECT_EQ(quota->status_reason, "quota_exceeded");
  CampaignRecord done = this->Move("c1", CampaignStatus::kPaused, CampaignStatus::kCancelled, 90);
  EXPECT_EQ(done.completed_at, 90);
  EXPECT_EQ(this->campaigns().Active().size(), 0u);
}

TYPED_TEST_P(CampaignStoreConformance, EachRecipientBecomesOneMessageAndCountersFollowIt) {
  this->Campaign("c1");
  this->Upload("c1", {"+4915100000001", "+4915100000002", "+4915100000003"});
  this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning);
  auto pending = this->campaigns().NextPending("c1", -1, 10);
  ASSERT_EQ(pending.size(), 3u);
  ASSERT_TRUE(this->Feed("c1", pending[0].seq, "m1", pending[0].phone).ok());
  auto twice = this->Feed("c1", pending[0].seq, "m1b", pending[0].phone);  // a recipient is messaged once
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "recipient_not_pending");
  EXPECT_FALSE(this->stores_.messages->Get("m1b"));
  ASSERT_TRUE(this->Feed("c1", pending[1].seq, "m2", pending[1].phone).ok());
  EXPECT_EQ(this->campaigns().NextPending("c1", -1, 10).size(), 1u);
  CampaignCounts c = this->Counts("c1");
  EXPECT_EQ(c.fed, 2);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.queued(), 3);
  // m1: sent, delivered, read; m2: failed by Meta.
  ASSERT_TRUE(this->Claim("m1", 200));
  this->MarkSent("m1", "wamid.m1", 300);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.m1", core::MessageStatus::kRead, 400), 400), 1u);  // skips delivered
  ASSERT_TRUE(this->Claim("m2", 200));
  this->Record(
      SendOutcome{"m2", SendOutcome::Kind::kFailed, "", 0, GraphError{131026, "Undeliverable", ""}, std::nullopt}, 300);
  c = this->Counts("c1");
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.delivered, 1);  // read implies delivered: a funnel
  EXPECT_EQ(c.read, 1);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.queued(), 1);
  auto campaign = this->campaigns().Get(std::nullopt, "c1");
  ASSERT_TRUE(campaign);
  EXPECT_EQ(campaign->errors.at(131026), 1);
  // A reply from m1's customer counts once.
  JournalApplication reply;
  reply.messages.push_back(this->Inbound("o", "wamid.in1", "4915100000001", 500, "thanks"));
  reply.messages.push_back(this->Inbound("o", "wamid.in2", "4915100000001", 501, "again"));
  this->ApplyWebhookCounts(reply, 600);
  EXPECT_EQ(this->Counts("c1").replied, 1);
  // The export has every recipient with its message's state.
  std::vector<RecipientOutcome> rows;
  this->campaigns().ForEachOutcome("c1", [&](const RecipientOutcome& o) {
    rows.push_back(o);
    return true;
  });
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].status, "read");
  EXPECT_EQ(rows[0].wamid, "wamid.m1");
  EXPECT_TRUE(rows[0].replied);
  EXPECT_EQ(rows[1].status, "failed");
  EXPECT_EQ(rows[1].error->code, 131026);
  EXPECT_EQ(rows[2].status, "pending");
}

TYPED_TEST_P(CampaignStoreConformance, TheExportVisitsEveryRecipientOnceInOrderAndStopsWhenAsked) {
  this->Campaign("c1");
  std::vector<std::string> phones;
  for (int i = 0; i < 4500; ++i) phones.push_back("+49151" + std::to_string(10000000 + i));  // several pages
  ASSERT_EQ(this->Upload("c1", phones).accepted, 4500);
  std::vector<std::string> seen;
  int64_t last_seq = -1;
  bool ordered = true;
  this->campaigns().ForEachOutcome("c1", [&](const RecipientOutcome& o) {
    ordered = ordered && o.seq > last_seq;
    last_seq = o.seq;
    seen.push_back(o.phone);
    return true;
  });
  EXPECT_TRUE(ordered);
  EXPECT_EQ(seen, phones);
  int visited = 0;
  this->campaigns().ForEachOutcome("c1", [&](const RecipientOutcome&) { return ++visited < 2500; });
  EXPECT_EQ(visited, 2500);
}

TYPED_TEST_P(CampaignStoreConformance, APausedCampaignsMessagesAreNotClaimedAndCancelEndsTheUnsent) {
  this->Campaign("c1");
  this->Upload("c1", {"+4915100000001", "+4915100000002", "+4915100000003"});
  this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning);
  auto pending = this->campaigns().NextPending("c1", -1, 10);
  ASSERT_TRUE(this->Feed("c1", pending[0].seq, "m1", pending[0].phone).ok());
  ASSERT_TRUE(this->Feed("c1", pending[1].seq, "m2", pending[1].phone).ok());
  ASSERT_TRUE(this->Claim("m1", 200));  // on its way when the campaign pauses
  this->Move("c1", CampaignStatus::kRunning, CampaignStatus::kPaused);
  EXPECT_FALSE(this->Claim("m2", 210));  // paused: left queued
  EXPECT_EQ(this->Load("m2").status, core::MessageStatus::kQueued);
  auto queued = this->campaigns().QueuedMessages("c1");
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].id, "m2");
  this->Move("c1", CampaignStatus::kPaused, CampaignStatus::kCancelled, 300);
  EXPECT_EQ(this->Load("m2").status, core::MessageStatus::kFailed);
  EXPECT_EQ(this->Load("m2").error->title, "cancelled");
  this->MarkSent("m1", "wamid.m1", 310);  // the claimed one ends as Meta says
  CampaignCounts c = this->Counts("c1");
  EXPECT_EQ(c.cancelled, 2);  // m2's recipient and the one never fed
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(c.queued(), 0);
  EXPECT_EQ(c.pending, 0);
}

TYPED_TEST_P(CampaignStoreConformance, ValidityEndsMessagesAndCampaigns) {
  // A single send past its validity is never claimed: it fails, expired.
  AcceptRequest single;
  single.message = this->Queued("s1");
  single.message.expires_at = 1500;
  single.month = "2026-12";
  ASSERT_TRUE(this->Accept(single).ok());
  EXPECT_FALSE(this->Claim("s1", 1600));
  EXPECT_EQ(this->Load("s1").status, core::MessageStatus::kFailed);
  EXPECT_EQ(this->Load("s1").error->title, "expired");
  // The sweep fails those nobody tried to claim.
  single.message = this->Queued("s2");
  single.message.expires_at = 1500;
  ASSERT_TRUE(this->Accept(single).ok());
  EXPECT_EQ(this->campaigns().ExpireDue(1400), 0);
  EXPECT_EQ(this->campaigns().ExpireDue(1600), 1);
  EXPECT_EQ(this->Load("s2").status, core::MessageStatus::kFailed);
  // A campaign that expires ends its unsent recipients expired.
  this->Campaign("c1");
  this->Upload("c1", {"+4915100000001", "+4915100000002"});
  this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning);
  auto pending = this->campaigns().NextPending("c1", -1, 10);
  ASSERT_TRUE(this->Feed("c1", pending[0].seq, "m1", pending[0].phone, 5000).ok());
  this->Move("c1", CampaignStatus::kRunning, CampaignStatus::kExpired, 5000);
  CampaignCounts c = this->Counts("c1");
  EXPECT_EQ(c.expired, 2);
  EXPECT_EQ(c.queued(), 0);
  EXPECT_EQ(this->Load("m1").error->title, "expired");
}

TYPED_TEST_P(CampaignStoreConformance, SkippedRecipientsAndOptOutsAndTenantIsolation) {
  this->Campaign("c1");
  this->Upload("c1", {"+4915100000001", "+4915100000002", "+4915100000003"});
  this->Move("c1", CampaignStatus::kDraft, CampaignStatus::kRunning);
  // A customer who writes STOP is suppressed (the inbound processor flags it).
  JournalApplication stop;
  InboundWrite w = this->Inbound("o", "wamid.stop", "4915100000002", 50, "STOP");
  w.opt_out = true;
  stop.messages.push_back(w);
  this->ApplyWebhookCounts(stop, 60);
  EXPECT_TRUE(this->campaigns().IsSuppressed("t", "+4915100000002"));
  auto pending = this->campaigns().NextPending("c1", -1, 10);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_FALSE(pending[0].suppressed);
  EXPECT_TRUE(pending[1].suppressed);
  ASSERT_TRUE(this->campaigns()
                  .SkipRecipients("c1", {{pending[1].seq, "suppressed"}, {pending[2].seq, "invalid_content: x"}}, 70)
                  .ok());
  CampaignCounts c = this->Counts("c1");
  EXPECT_EQ(c.suppressed, 1);
  EXPECT_EQ(c.invalid, 1);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(this->campaigns().Rejected("c1", {0, 0}, 10).back().second.reason, "invalid_content: x");
  // Another tenant sees neither the campaign nor the list.
  EXPECT_FALSE(this->campaigns().Get(std::string("t2"), "c1"));
  EXPECT_TRUE(this->campaigns().List(std::string("t2"), std::nullopt, std::nullopt, 10).empty());
  EXPECT_FALSE(this->campaigns().IsSuppressed("t2", "+4915100000002"));
  EXPECT_EQ(this->campaigns().Suppressions("t", std::nullopt, 10).size(), 1u);
  EXPECT_EQ(this->campaigns().Unsuppress("t2", "+4915100000002").error().kind, core::ErrorKind::kNotFound);
  EXPECT_TRUE(this->campaigns().Unsuppress("t", "+4915100000002").ok());
  // Deleting the tenant deletes its campaigns.
  ASSERT_TRUE(this->stores_.tenants->DeleteTenant("t").ok());
  EXPECT_FALSE(this->campaigns().Get(std::nullopt, "c1"));
}

REGISTER_TYPED_TEST_SUITE_P(CampaignStoreConformance, UploadsRejectDuplicatesAndSuppressedAndCountOnlyWhenFinished,
                            TransitionsAreCheckedAtomically, EachRecipientBecomesOneMessageAndCountersFollowIt,
                            APausedCampaignsMessagesAreNotClaimedAndCancelEndsTheUnsent,
                            ValidityEndsMessagesAndCampaigns, SkippedRecipientsAndOptOutsAndTenantIsolation,
                            TheExportVisitsEveryRecipientOnceInOrderAndStopsWhenAsked);

}  // namespace wagate::store::conformance
