#include "wagate/sandbox/templates/template_store.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TemplateRecord Record(const std::string& waba, const std::string& name, const std::string& language,
                      const std::string& status = "APPROVED") {
  auto parsed = ParseTemplateComponents(nlohmann::json::parse(R"([{"type":"BODY","text":"Hi {{1}}"}])"),
                                        ParameterFormat::kPositional, "UTILITY", true);
  return NewTemplateRecord(waba, name, language, "UTILITY", status, std::move(*parsed));
}

TemplateQuery Query(const std::string& waba, size_t limit = 25) {
  TemplateQuery q;
  q.waba_id = waba;
  q.limit = limit;
  return q;
}

TEST(TemplateStoreTest, NumbersBelongToTheirLinkedWabaOrTheDefault) {
  TemplateStore store("100");
  EXPECT_EQ(store.WabaOf("1"), "100");
  store.LinkNumber("1", "200");
  EXPECT_EQ(store.WabaOf("1"), "200");
  EXPECT_EQ(store.WabaOf("2"), "100");
  store.SetDefaultWaba("");
  EXPECT_FALSE(store.WabaOf("2").has_value());
  store.LinkNumber("1", "");
  EXPECT_FALSE(store.WabaOf("1").has_value());
}

TEST(TemplateStoreTest, NameAndLanguageAreUniquePerWaba) {
  TemplateStore store("");
  auto first = store.Add(Record("100", "order_update", "en_US"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->id.size(), 16u);
  EXPECT_EQ(first->id[0], '1');
  EXPECT_EQ(store.Add(Record("100", "order_update", "en_US")).error().kind, core::ErrorKind::kConflict);
  EXPECT_TRUE(store.Add(Record("100", "order_update", "pt_BR")).ok());
  EXPECT_TRUE(store.Add(Record("200", "order_update", "en_US")).ok());
  EXPECT_EQ(store.Find("100", "order_update", "en_US")->id, first->id);
  EXPECT_EQ(store.Get(first->id)->name, "order_update");
  EXPECT_FALSE(store.Find("300", "order_update", "en_US").has_value());
}

TEST(TemplateStoreTest, PagesForwardAndBackWithFilters) {
  TemplateStore store("");
  std::vector<TemplateRecord> added;
  for (int i = 0; i < 5; ++i) added.push_back(*store.Add(Record("100", "t" + std::to_string(i), "en")));
  ASSERT_TRUE(store.Add(Record("200", "other", "en")).ok());
  TemplateQuery q = Query("100", 2);
  TemplatePage page = store.List(q);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "t0");
  EXPECT_FALSE(page.more_before);
  EXPECT_TRUE(page.more_after);
  q.after = page.items.back().seq;
  page = store.List(q);
  EXPECT_EQ(page.items[0].name, "t2");
  EXPECT_TRUE(page.more_before);
  q.after = page.items.back().seq;
  page = store.List(q);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "t4");
  EXPECT_FALSE(page.more_after);
  q.after.reset();
  q.before = page.items[0].seq;  // back from t4: the two before it
  page = store.List(q);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "t2");
  EXPECT_EQ(page.items[1].name, "t3");
  EXPECT_TRUE(page.more_before);
  EXPECT_TRUE(page.more_after);

  store.SetStatus(added[1].id, "PAUSED", "NONE");
  TemplateQuery paused = Query("100");
  paused.statuses = {"PAUSED", "DISABLED"};
  EXPECT_EQ(store.List(paused).items.size(), 1u);
  TemplateQuery by_name = Query("100");
  by_name.name = "t3";
  EXPECT_EQ(store.List(by_name).items.size(), 1u);
  TemplateQuery by_language = Query("100");
  by_language.language = "de";
  EXPECT_EQ(store.List(by_language).items.size(), 0u);
  TemplateQuery by_category = Query("100");
  by_category.category = "utility";
  EXPECT_EQ(store.List(by_category).items.size(), 5u);
}

TEST(TemplateStoreTest, DeleteByNameOrId) {
  TemplateStore store("");
  auto en = *store.Add(Record("100", "promo", "en"));
  auto de = *store.Add(Record("100", "promo", "de"));
  ASSERT_TRUE(store.Add(Record("100", "promo", "fr")).ok());
  EXPECT_EQ(*store.Delete("100", "promo", en.id), 1u);
  EXPECT_FALSE(store.Get(en.id).has_value());
  EXPECT_EQ(store.Delete("100", "promo", en.id).error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(store.Delete("100", "other", std::nullopt).error().kind, core::ErrorKind::kNotFound);
  store.SetStatus(de.id, "DISABLED", std::nullopt);
  EXPECT_EQ(store.Delete("100", "promo", std::nullopt).error().kind, core::ErrorKind::kConflict);
  store.SetStatus(de.id, "APPROVED", std::nullopt);
  EXPECT_EQ(*store.Delete("100", "promo", std::nullopt), 2u);  // every language
  EXPECT_TRUE(store.All("100").empty());
}

TEST(TemplateStoreTest, ReviewsLandWhenDueUnlessOverruled) {
  TemplateStore store("");
  auto a = *store.Add(Record("100", "a", "en", "PENDING"));
  auto b = *store.Add(Record("100", "b", "en", "PENDING"));
  auto c = *store.Add(Record("100", "c", "en", "PENDING"));
  store.ScheduleReview(a.id, 1000, "APPROVED", "NONE");
  store.ScheduleReview(b.id, 2000, "REJECTED", "INVALID_FORMAT");
  store.ScheduleReview(c.id, 1000, "APPROVED", "NONE");
  store.SetStatus(c.id, "REJECTED", "SCAM");  // the operator decided first
  EXPECT_TRUE(store.SettleReviews(999).empty());
  auto due = store.SettleReviews(1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].record.id, a.id);
  EXPECT_EQ(due[0].record.status, "APPROVED");
  EXPECT_EQ(due[0].reason, "NONE");
  EXPECT_TRUE(store.SettleReviews(1500).empty());
  auto fired = store.CompleteReview(b.id);  // its timer, whatever the clock says
  ASSERT_TRUE(fired.has_value());
  EXPECT_EQ(fired->record.status, "REJECTED");
  EXPECT_FALSE(store.CompleteReview(b.id).has_value());
  EXPECT_EQ(store.Get(c.id)->status, "REJECTED");
}

}  // namespace
}  // namespace wagate::sandbox
