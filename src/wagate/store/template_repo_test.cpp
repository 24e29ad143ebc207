#include "wagate/store/template_repo.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/store/admin_repo.hpp"
#include "wagate/store/database.hpp"
#include "wagate/store/message_repo.hpp"

namespace wagate::store {
namespace {

class TemplateRepoTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::TempDir() + "/wagate_template_repo_test_" + std::to_string(::getpid()) + ".db";
    std::filesystem::remove(path_);
    auto db = Database::Open({path_, 2, 64});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    Write([](Connection& c) {
      admin_repo::InsertTenant(c, TenantRecord{"t", "T", std::nullopt, 1});
      OutletRecord o;
      o.id = "o";
      o.tenant_id = "t";
      o.phone_number_id = "111";
      o.waba_id = "W";
      admin_repo::InsertOutlet(c, o);
    });
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void Write(const std::function<void(Connection&)>& fn) {
    ASSERT_TRUE(db_->WriteAndWait([&](Connection& c) -> core::Status {
                     fn(c);
                     return core::Ok{};
                   }).ok());
  }
  template <typename Fn>
  auto Read(Fn fn) {
    return db_->Read(fn);
  }
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

  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(TemplateRepoTest, ASyncReplacesTheListButKeepsRowsChangedDuringIt) {
  Write([](Connection& c) {
    template_repo::Upsert(c, Template("gone", "en", "APPROVED", 10));
    template_repo::Upsert(c, Template("webhooked", "en", "REJECTED", 500));  // a webhook after the listing began
  });
  Write([](Connection& c) {
    template_repo::ReplaceAll(c, "W", {Template("new", "en", "APPROVED", 100), Template("webhooked", "en", "PENDING", 100)},
                              100);
  });
  auto all = Read([](Connection& c) { return template_repo::List(c, "W", std::nullopt, std::nullopt); });
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "new");
  EXPECT_EQ(all[0].parameters["body"].count, 2u);
  EXPECT_EQ(all[1].name, "webhooked");
  EXPECT_EQ(all[1].status, "REJECTED");
  EXPECT_EQ(Read([](Connection& c) { return template_repo::LastSync(c, "W"); }), 100);
}

TEST_F(TemplateRepoTest, StatusByGraphIdOrByNameAndLanguage) {
  Write([](Connection& c) { template_repo::Upsert(c, Template("po", "en", "PENDING", 1)); });
  bool by_id = false, by_name = false, unknown = true;
  Write([&](Connection& c) {
    by_id = template_repo::UpdateStatus(c, "W", "po-en", "", "", "APPROVED", std::nullopt, 2);
    by_name = template_repo::UpdateStatus(c, "W", "", "po", "en", "PAUSED", std::string("LOW_QUALITY"), 3);
    unknown = template_repo::UpdateStatus(c, "W", "nope", "other", "en", "APPROVED", std::nullopt, 4);
  });
  EXPECT_TRUE(by_id);
  EXPECT_TRUE(by_name);
  EXPECT_FALSE(unknown);
  auto t = Read([](Connection& c) { return template_repo::Find(c, "W", "po", "en"); });
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->status, "PAUSED");
  EXPECT_EQ(t->status_reason, "LOW_QUALITY");
}

TEST_F(TemplateRepoTest, DeleteByNameTakesEveryLanguageOrOne) {
  Write([](Connection& c) {
    for (const char* lang : {"en", "de", "fr"}) template_repo::Upsert(c, Template("po", lang, "APPROVED", 1));
  });
  int one = 0, rest = 0;
  Write([&](Connection& c) {
    one = template_repo::DeleteByName(c, "W", "po", std::string("po-de"));
    rest = template_repo::DeleteByName(c, "W", "po", std::nullopt);
  });
  EXPECT_EQ(one, 1);
  EXPECT_EQ(rest, 2);
}

TEST_F(TemplateRepoTest, CountersAreCumulativeByHowFarMessagesGot) {
  Write([](Connection& c) {
    // One record filled once and copied: GCC 12 at -O3 misreads string assignments inside this loop
    // as overflowing copies (-Wrestrict, a known false positive).
    MessageRecord m;
    m.tenant_id = "t";
    m.outlet_id = "o";
    m.to_number = "+4915123456789";
    m.message_type = "template";
    m.graph_request = "{}";
    m.template_name = "po";
    m.template_language = "en";
    const std::vector<std::string> ids = {"m0", "m1", "m2", "m3", "m4", "m5"};
    const std::vector<core::MessageStatus> statuses = {core::MessageStatus::kQueued, core::MessageStatus::kSent,
                                                       core::MessageStatus::kDelivered, core::MessageStatus::kRead,
                                                       core::MessageStatus::kRead, core::MessageStatus::kFailed};
    for (size_t i = 0; i < ids.size(); ++i) {
      MessageRecord each = m;
      each.id = ids[i];
      each.status = statuses[i];
      message_repo::Insert(c, each);
    }
  });
  TemplateCounters n = Read([](Connection& c) { return template_repo::Counters(c, "W", "po", "en"); });
  EXPECT_EQ(n.queued, 1);
  EXPECT_EQ(n.sent, 4);
  EXPECT_EQ(n.delivered, 3);
  EXPECT_EQ(n.read, 2);
  EXPECT_EQ(n.failed, 1);
  EXPECT_EQ(Read([](Connection& c) { return template_repo::Counters(c, "W", "po", "de"); }).sent, 0);
}

}  // namespace
}  // namespace wagate::store
