// Conformance suite of store::WebhookJournal and store::ContactStore: durable append, in-order
// application exactly once, contacts for the service window.
#pragma once

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class WebhookJournalConformance : public StoreTest<Backend> {};
TYPED_TEST_SUITE_P(WebhookJournalConformance);

TYPED_TEST_P(WebhookJournalConformance, EntriesComeBackInOrderUntilApplied) {
  this->Append("{\"a\":1}", "sha256=aa", 100);
  this->Append("{\"b\":2}", "sha256=bb", 101);
  auto pending = this->stores_.journal->Unprocessed(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_LT(pending[0].id, pending[1].id);
  EXPECT_EQ(pending[0].body, "{\"a\":1}");
  EXPECT_EQ(pending[0].signature, "sha256=aa");
  EXPECT_EQ(this->stores_.journal->Unprocessed(1).size(), 1u);
  JournalApplication first;
  first.journal_id = pending[0].id;
  ASSERT_TRUE(this->stores_.journal->Apply({first}, 200).ok());
  auto rest = this->stores_.journal->Unprocessed(10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, pending[1].id);
}

TYPED_TEST_P(WebhookJournalConformance, InboundMessagesKeepTheLatestContactTime) {
  JournalApplication webhook;
  webhook.messages.push_back(this->Inbound("o", "wamid.1", "4915123456789", 5000));
  webhook.messages.push_back(this->Inbound("o", "wamid.2", "4915123456789", 4000));  // older: never moves back
  webhook.messages.push_back(this->Inbound("o2", "wamid.3", "4915000000000", 1000));
  this->ApplyWebhook(std::move(webhook), 6000);
  auto recent = this->stores_.contacts->RecentContacts(2000);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].outlet_id, "o");
  EXPECT_EQ(recent[0].wa_id, "4915123456789");
  EXPECT_EQ(recent[0].last_inbound_at, 5000);
  EXPECT_EQ(this->stores_.contacts->RecentContacts(0).size(), 2u);
}

TYPED_TEST_P(WebhookJournalConformance, PruneForgetsOnlyOldAppliedEntries) {
  this->Append("{}", "", 100);
  this->Append("{}", "", 100);
  auto pending = this->stores_.journal->Unprocessed(10);
  JournalApplication applied;
  applied.journal_id = pending[0].id;
  ASSERT_TRUE(this->stores_.journal->Apply({applied}, 150).ok());
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 100), 1);
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 100), 0);  // nothing more is due
  this->Append("{}", "", 2000);
  auto left = this->stores_.journal->Unprocessed(10);
  ASSERT_EQ(left.size(), 2u);  // the unapplied one survives any age
  EXPECT_EQ(left[0].id, pending[1].id);
}

// A bounded chunk per call, the oldest first, and never an entry received at or after the cut-off.
TYPED_TEST_P(WebhookJournalConformance, PruneForgetsTheOldestInBoundedChunks) {
  std::vector<JournalApplication> all;
  for (int i = 0; i < 5; ++i) this->Append("{}", "", 100 + i);
  this->Append("{}", "", 5000);  // young: kept
  for (const auto& e : this->stores_.journal->Unprocessed(10)) all.emplace_back().journal_id = e.id;
  ASSERT_EQ(all.size(), 6u);
  ASSERT_TRUE(this->stores_.journal->Apply(all, 6000).ok());
  auto listed = [&] { return this->stores_.journal->ListEvents(WebhookEventFilter{}); };
  ASSERT_EQ(listed().size(), 6u);
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 2), 2);
  auto after_one = listed();  // newest first
  ASSERT_EQ(after_one.size(), 4u);
  EXPECT_EQ(after_one.back().id, all[2].journal_id);  // the two oldest went first
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 2), 2);
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 2), 1);
  EXPECT_EQ(this->stores_.journal->Prune(1000, 1000, 2), 0);
  auto left = listed();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, all[5].journal_id);
}

TYPED_TEST_P(WebhookJournalConformance, OutcomesAreRecordedAndListedPerTenant) {
  JournalApplication applied;
  applied.messages.push_back(this->Inbound("o", "wamid.1", "4915123456789", 5000));
  applied.tenant_ids = {"t"};
  applied.skipped["unknown_phone_number_id"] = 1;
  auto counts = this->ApplyWebhookCounts(applied, 6000);
  EXPECT_EQ(counts.messages, 1);
  EXPECT_EQ(counts.skipped["unknown_phone_number_id"], 1);
  auto again = this->ApplyWebhookCounts(applied, 6100);  // Meta's redelivery
  EXPECT_EQ(again.messages, 0);
  EXPECT_EQ(again.duplicates, 1);
  this->Append("{}", "", 6200);  // still pending
  this->stores_.journal->RecordRejected("invalid_signature", 42, {}, 6300);
  this->Append("{}", "", 6400);  // a later write's completion proves the rejection was written

  auto all = this->stores_.journal->ListEvents(WebhookEventFilter{});
  ASSERT_EQ(all.size(), 5u);  // newest first
  EXPECT_EQ(all[0].outcome, "pending");
  EXPECT_EQ(all[1].outcome, "rejected");
  EXPECT_EQ(all[1].reason, "invalid_signature");
  EXPECT_EQ(all[1].bytes, 42);
  EXPECT_EQ(all[3].outcome, "skipped");
  EXPECT_EQ(all[3].reason, "duplicate");
  EXPECT_EQ(all[4].outcome, "applied");
  EXPECT_EQ(all[4].details, R"({"messages":1,"skipped":{"unknown_phone_number_id":1}})");

  WebhookEventFilter mine;
  mine.tenant_id = "t";
  EXPECT_EQ(this->stores_.journal->ListEvents(mine).size(), 2u);  // only those that touched its outlets
  mine.tenant_id = "someone-else";
  EXPECT_TRUE(this->stores_.journal->ListEvents(mine).empty());
  WebhookEventFilter pending;
  pending.outcome = "pending";
  EXPECT_EQ(this->stores_.journal->ListEvents(pending).size(), 2u);
  WebhookEventFilter page;
  page.limit = 2;
  auto first = this->stores_.journal->ListEvents(page);
  page.before_id = first.back().id;
  auto second = this->stores_.journal->ListEvents(page);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].id, all[2].id);
  this->Append("{}", "", 6500, {"someone-else"});  // signed by its outlet: visible while still pending
  auto theirs = this->stores_.journal->ListEvents(mine);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].outcome, "pending");
}

TYPED_TEST_P(WebhookJournalConformance, AnOutletKeepsTheNewestSignalOfEachField) {
  JournalApplication first;
  first.signals.push_back({"o", "phone_number_quality_update", 2000, R"({"current_limit":"TIER_10K"})"});
  first.signals.push_back({"o", "account_update", 2000, R"({"event":"VERIFIED_ACCOUNT"})"});
  EXPECT_EQ(this->ApplyWebhookCounts(first, 3000).signals, 2);
  JournalApplication older;
  older.signals.push_back({"o", "phone_number_quality_update", 1000, R"({"current_limit":"TIER_250"})"});
  EXPECT_EQ(this->ApplyWebhookCounts(older, 3100).signals, 0);
  auto signals = this->stores_.tenants->ListSignals("o");
  ASSERT_EQ(signals.size(), 2u);
  EXPECT_EQ(signals[0].field, "account_update");
  EXPECT_EQ(signals[1].value, R"({"current_limit":"TIER_10K"})");
  EXPECT_TRUE(this->stores_.tenants->ListSignals("o2").empty());
}

REGISTER_TYPED_TEST_SUITE_P(WebhookJournalConformance, EntriesComeBackInOrderUntilApplied,
                            InboundMessagesKeepTheLatestContactTime, PruneForgetsOnlyOldAppliedEntries,
                            PruneForgetsTheOldestInBoundedChunks, OutcomesAreRecordedAndListedPerTenant,
                            AnOutletKeepsTheNewestSignalOfEachField);

}  // namespace wagate::store::conformance
