// Conformance suite of store::WebhookJournal and store::ContactStore: durable append, in-order
// application exactly once, contacts for the service window.
#pragma once

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class WebhookJournalConformance : public StoreTest<Backend> {
 protected:
  void Append(const std::string& body, const std::string& signature, int64_t now) {
    std::promise<core::Status> done;
    this->stores_.journal->Append(body, signature, now, [&done](const core::Status& s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
};
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
  webhook.inbound.push_back({"o", "4915123456789", 5000});
  webhook.inbound.push_back({"o", "4915123456789", 4000});  // older, out of order: never moves back
  webhook.inbound.push_back({"o2", "4915000000000", 1000});
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
  this->stores_.journal->Prune(1000, 1000);
  // Prune is queued behind earlier writes; a later write's completion proves it ran.
  this->Append("{}", "", 2000);
  auto left = this->stores_.journal->Unprocessed(10);
  ASSERT_EQ(left.size(), 2u);  // the unapplied one survives any age
  EXPECT_EQ(left[0].id, pending[1].id);
}

REGISTER_TYPED_TEST_SUITE_P(WebhookJournalConformance, EntriesComeBackInOrderUntilApplied,
                            InboundMessagesKeepTheLatestContactTime, PruneForgetsOnlyOldAppliedEntries);

}  // namespace wagate::store::conformance
