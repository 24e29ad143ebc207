// Conformance suite of store::TemplateStore (status changes arrive through WebhookJournal::Apply).
#pragma once

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class TemplateStoreConformance : public StoreTest<Backend> {
 protected:
  static TemplateRecord Template(const std::string& name, const std::string& language, const std::string& status,
                                 int64_t updated_at) {
    TemplateRecord t;
    t.waba_id = "W";
    t.name = name;
    t.language = language;
    t.graph_id = name + "-" + language;
    t.category = "UTILITY";
    t.status = status;
    t.parameters["body"] = ComponentParameters{2, {}, false};
    t.updated_at = updated_at;
    return t;
  }
  std::optional<TemplateRecord> Find(const std::string& name, const std::string& language) {
    for (auto& t : this->stores_.templates->List(std::string("W"), name, std::nullopt)) {
      if (t.language == language) return t;
    }
    return std::nullopt;
  }
};
TYPED_TEST_SUITE_P(TemplateStoreConformance);

TYPED_TEST_P(TemplateStoreConformance, ASyncReplacesTheListButKeepsRowsChangedDuringIt) {
  TemplateStore& s = *this->stores_.templates;
  ASSERT_TRUE(s.Upsert(this->Template("gone", "en", "APPROVED", 10)).ok());
  ASSERT_TRUE(s.Upsert(this->Template("webhooked", "en", "REJECTED", 500)).ok());  // a webhook after the listing began
  ASSERT_TRUE(
      s.ReplaceAll(
           "W", {this->Template("new", "en", "APPROVED", 100), this->Template("webhooked", "en", "PENDING", 100)}, 100)
          .ok());
  auto all = s.List(std::string("W"), std::nullopt, std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "new");
  EXPECT_EQ(all[0].parameters["body"].count, 2u);
  EXPECT_EQ(all[1].name, "webhooked");
  EXPECT_EQ(all[1].status, "REJECTED");
  EXPECT_EQ(s.LastSync("W"), 100);
  EXPECT_FALSE(s.LastSync("W2").has_value());
}

TYPED_TEST_P(TemplateStoreConformance, StatusByGraphIdOrByNameAndLanguage) {
  ASSERT_TRUE(this->stores_.templates->Upsert(this->Template("po", "en", "PENDING", 1)).ok());
  JournalApplication webhook;
  webhook.template_statuses.push_back({"W", "po-en", "", "", "APPROVED", std::nullopt});
  webhook.template_statuses.push_back({"W", "", "po", "en", "PAUSED", std::string("LOW_QUALITY")});
  webhook.template_statuses.push_back({"W", "nope", "other", "en", "APPROVED", std::nullopt});
  this->ApplyWebhook(std::move(webhook), 3);
  auto t = this->Find("po", "en");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->status, "PAUSED");
  EXPECT_EQ(t->status_reason, "LOW_QUALITY");
  EXPECT_FALSE(this->Find("other", "en").has_value());
}

TYPED_TEST_P(TemplateStoreConformance, DeleteByNameTakesEveryLanguageOrOne) {
  for (const char* lang : {"en", "de", "fr"}) {
    ASSERT_TRUE(this->stores_.templates->Upsert(this->Template("po", lang, "APPROVED", 1)).ok());
  }
  EXPECT_EQ(*this->stores_.templates->DeleteByName("W", "po", std::string("po-de")), 1);
  EXPECT_EQ(*this->stores_.templates->DeleteByName("W", "po", std::nullopt), 2);
}

TYPED_TEST_P(TemplateStoreConformance, CountersAreCumulativeByHowFarMessagesGot) {
  // m0 stays queued; m1 sent; m2 delivered; m3, m4 read; m5 failed.
  const std::vector<std::string> ids = {"m0", "m1", "m2", "m3", "m4", "m5"};
  for (const auto& id : ids) {
    AcceptRequest request;
    request.message = this->Queued(id);
    request.message.message_type = "template";
    request.message.template_name = "po";
    request.message.template_language = "en";
    request.month = "2026-12";
    ASSERT_TRUE(this->Accept(request).ok());
  }
  for (size_t i = 1; i < ids.size(); ++i) this->Claim(ids[i], 2000);
  for (size_t i = 1; i < 5; ++i) this->MarkSent(ids[i], "wamid." + ids[i], 2100);
  this->Record(SendOutcome{"m5", SendOutcome::Kind::kFailed, "", 0, GraphError{131026, "x", ""}, std::nullopt}, 2100);
  JournalApplication webhook;
  webhook.statuses.push_back(this->Event("wamid.m2", core::MessageStatus::kDelivered, 3000));
  webhook.statuses.push_back(this->Event("wamid.m3", core::MessageStatus::kRead, 3000));
  webhook.statuses.push_back(this->Event("wamid.m4", core::MessageStatus::kRead, 3000));
  EXPECT_EQ(this->ApplyWebhook(std::move(webhook), 3001), 3u);
  TemplateCounters n = this->stores_.templates->Counters("W", "po", "en");
  EXPECT_EQ(n.queued, 1);
  EXPECT_EQ(n.sent, 4);
  EXPECT_EQ(n.delivered, 3);
  EXPECT_EQ(n.read, 2);
  EXPECT_EQ(n.failed, 1);
  EXPECT_EQ(this->stores_.templates->Counters("W", "po", "de").sent, 0);
}

REGISTER_TYPED_TEST_SUITE_P(TemplateStoreConformance, ASyncReplacesTheListButKeepsRowsChangedDuringIt,
                            StatusByGraphIdOrByNameAndLanguage, DeleteByNameTakesEveryLanguageOrOne,
                            CountersAreCumulativeByHowFarMessagesGot);

}  // namespace wagate::store::conformance
