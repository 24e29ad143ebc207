#include "wagate/store/message_repo.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/store/admin_repo.hpp"
#include "wagate/store/database.hpp"

namespace wagate::store {
namespace {

using core::MessageStatus;
namespace repo = message_repo;

class MessageRepoTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::TempDir() + "/wagate_repo_test_" + std::to_string(::getpid()) + ".db";
    std::filesystem::remove(path_);
    auto db = Database::Open({path_, 2, 64});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    Write([](Connection& c) {
      admin_repo::InsertTenant(c, TenantRecord{"t", "T", std::nullopt, 1});
      for (auto [id, pnid] : {std::pair{"o", "111"}, std::pair{"o2", "222"}}) {
        OutletRecord o;
        o.id = id;
        o.tenant_id = "t";
        o.phone_number_id = pnid;
        admin_repo::InsertOutlet(c, o);
      }
    });
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  void Write(std::function<void(Connection&)> fn) {
    ASSERT_TRUE(db_->WriteAndWait([&](Connection& c) -> core::Status {
                     fn(c);
                     return core::Ok{};
                   }).ok());
  }
  MessageRecord Load(const std::string& id) {
    return *db_->Read([&](Connection& c) { return repo::Get(c, id); });
  }
  void InsertQueued(const std::string& id) {
    MessageRecord m;
    m.id = id;
    m.tenant_id = "t";
    m.outlet_id = "o";
    m.to_number = "+4915123456789";
    m.message_type = "text";
    m.graph_request = "{}";
    m.created_at = 1000;
    m.next_attempt_at = 1000;
    Write([&](Connection& c) { repo::Insert(c, m); });
  }
  repo::StatusEvent Event(const std::string& wamid, MessageStatus s, int64_t at, std::optional<std::string> id = {}) {
    repo::StatusEvent e;
    e.phone_number_id = "111";  // the outlet "o" of every message here
    e.wamid = wamid;
    e.status = s;
    e.at_ms = at;
    e.message_id = std::move(id);
    return e;
  }

  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(MessageRepoTest, ClaimOnlyOnceAndOnlyWhenQueued) {
  InsertQueued("m1");
  std::optional<repo::ClaimedSend> first, second;
  Write([&](Connection& c) { first = repo::Claim(c, "m1", 2000); });
  Write([&](Connection& c) { second = repo::Claim(c, "m1", 2001); });
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->attempts, 1);
  EXPECT_FALSE(second.has_value());
  EXPECT_EQ(Load("m1").status, MessageStatus::kSending);
}

TEST_F(MessageRepoTest, StatusesOnlyMoveForwardAndReadImpliesDelivered) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::MarkSent(c, "m1", "wamid.A", 2100);
    EXPECT_EQ(repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kRead, 5000), 6000), repo::ApplyResult::kApplied);
    EXPECT_EQ(repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kDelivered, 4000), 6000), repo::ApplyResult::kIgnored);
    EXPECT_EQ(repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kRead, 5000), 6000), repo::ApplyResult::kIgnored);
  });
  MessageRecord m = Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kRead);
  EXPECT_EQ(m.sent_at, 2100);
  EXPECT_EQ(m.delivered_at, 5000);
  EXPECT_EQ(m.read_at, 5000);
}

TEST_F(MessageRepoTest, FailedIsTerminalAndKeepsMetasError) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::MarkSent(c, "m1", "wamid.A", 2100);
    auto failed = Event("wamid.A", MessageStatus::kFailed, 3000);
    failed.error = GraphError{131047, "Re-engagement message", "more than 24 hours"};
    repo::ApplyStatus(c, failed, 3001);
    repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kRead, 4000), 4001);
  });
  MessageRecord m = Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kFailed);
  ASSERT_TRUE(m.error.has_value());
  EXPECT_EQ(m.error->code, 131047);
  EXPECT_FALSE(m.read_at.has_value());
}

TEST_F(MessageRepoTest, StatusBeforeTheSendAnswerIsFoundByCallbackId) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    // The webhook overtakes the HTTP answer: it names our id in biz_opaque_callback_data.
    EXPECT_EQ(repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kDelivered, 2500, "m1"), 2600),
              repo::ApplyResult::kApplied);
    repo::MarkSent(c, "m1", "wamid.A", 2700);
  });
  MessageRecord m = Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kDelivered);
  EXPECT_EQ(m.wamid, "wamid.A");
}

TEST_F(MessageRepoTest, StatusWithoutCallbackIdWaitsAsOrphanUntilTheAnswerIsStored) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    EXPECT_EQ(repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kDelivered, 2500), 2600),
              repo::ApplyResult::kOrphaned);
    repo::MarkSent(c, "m1", "wamid.A", 2700);
  });
  EXPECT_EQ(Load("m1").status, MessageStatus::kDelivered);
}

TEST_F(MessageRepoTest, InDoubtResolutionNeverOverridesAWebhook) {
  InsertQueued("m1");
  InsertQueued("m2");
  bool changed1 = false, changed2 = false;
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::Claim(c, "m2", 2000);
    repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kSent, 2500, "m1"), 2600);
    changed1 = repo::ResolveInDoubt(c, "m1", true, 9000);
    changed2 = repo::ResolveInDoubt(c, "m2", false, 9000);
  });
  EXPECT_FALSE(changed1);
  EXPECT_EQ(Load("m1").status, MessageStatus::kSent);
  EXPECT_TRUE(changed2);
  EXPECT_EQ(Load("m2").status, MessageStatus::kUnknown);
  // A late webhook still settles an `unknown` message.
  Write([&](Connection& c) { repo::ApplyStatus(c, Event("wamid.B", MessageStatus::kSent, 9500, "m2"), 9600); });
  EXPECT_EQ(Load("m2").status, MessageStatus::kSent);
}

TEST_F(MessageRepoTest, AnotherOutletsWebhookCannotTouchAMessage) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::MarkSent(c, "m1", "wamid.A", 2100);
    auto foreign = Event("wamid.A", MessageStatus::kRead, 5000);
    foreign.phone_number_id = "222";
    EXPECT_EQ(repo::ApplyStatus(c, foreign, 6000), repo::ApplyResult::kOrphaned);
    auto by_callback = Event("wamid.Z", MessageStatus::kRead, 5000, "m1");
    by_callback.phone_number_id = "222";
    EXPECT_EQ(repo::ApplyStatus(c, by_callback, 6000), repo::ApplyResult::kOrphaned);
  });
  EXPECT_EQ(Load("m1").status, MessageStatus::kSent);
}

TEST_F(MessageRepoTest, TimestampsNeverGoBeforeTheSendAnswer) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::MarkSent(c, "m1", "wamid.A", 2500);  // milliseconds from our clock
    repo::ApplyStatus(c, Event("wamid.A", MessageStatus::kDelivered, 2000), 2600);  // Meta: whole seconds
  });
  EXPECT_EQ(Load("m1").delivered_at, 2500);
}

TEST_F(MessageRepoTest, RetryGoesBackToQueuedWithTheLastError) {
  InsertQueued("m1");
  Write([&](Connection& c) {
    repo::Claim(c, "m1", 2000);
    repo::ScheduleRetry(c, "m1", 3000, GraphError{131000, "Something went wrong", ""}, 2100);
  });
  MessageRecord m = Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kQueued);
  EXPECT_EQ(m.next_attempt_at, 3000);
  EXPECT_EQ(m.error->code, 131000);
  std::vector<repo::PendingMessage> pending;
  db_->Read([&](Connection& c) { repo::ForEachPending(c, [&](repo::PendingMessage&& p) { pending.push_back(p); }); });
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].next_attempt_at, 3000);
}

TEST_F(MessageRepoTest, AFailingJobRollsBackAloneInItsBatch) {
  InsertQueued("m1");
  core::Status bad = db_->WriteAndWait([](Connection& c) -> core::Status {
    c.Exec("UPDATE messages SET status = 'sent' WHERE id = 'm1'");
    return core::Error::Invalid("x", "refused");
  });
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(Load("m1").status, MessageStatus::kQueued);
}

}  // namespace
}  // namespace wagate::store
