// The deliverer against a real SQLite store and a scripted poster, with a fake clock: signing, retries
// on the schedule, Retry-After, per-endpoint concurrency, and what a stop leaves pending.
#include "wagate/events/deliverer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/core/test_wait.hpp"
#include "wagate/events/standard_webhooks.hpp"
#include "wagate/store/sqlite/open_sqlite.hpp"

namespace wagate::events {
namespace {

// Holds every request until the test answers it.
class ScriptedPoster final : public Poster {
 public:
  void Post(PostRequest request, std::function<void(PostResult)> done) override {
    std::lock_guard lock(mu_);
    pending_.push_back({std::move(request), std::move(done)});
  }
  size_t Pending() {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  PostRequest Request(size_t i) {
    std::lock_guard lock(mu_);
    return pending_.at(i).first;
  }
  // Answers the oldest request.
  void Answer(int status, std::optional<int64_t> retry_after = std::nullopt) {
    std::function<void(PostResult)> done;
    {
      std::lock_guard lock(mu_);
      done = std::move(pending_.front().second);
      pending_.erase(pending_.begin());
    }
    PostResult r;
    r.status = status;
    r.retry_after_s = retry_after;
    done(r);
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<PostRequest, std::function<void(PostResult)>>> pending_;
};

class FixedRandom final : public core::Random {
 public:
  double Unit() override { return 0.5; }  // no jitter
};

std::string Header(const PostRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

class DelivererTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/wagate_deliverer_" + std::to_string(::getpid()) + "_" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto opened = store::sqlite::OpenSqliteStores({dir_ + "/wagate.db", 2, 64});
    ASSERT_TRUE(opened.ok());
    stores_ = std::move(*opened);
    ASSERT_TRUE(stores_.tenants->CreateTenant(store::TenantRecord{"t", "T", std::nullopt, 1}).ok());
    clock_.SetMs(1'000'000);
    subscriptions_ = std::make_unique<Subscriptions>(*stores_.events, box_, clock_, TargetPolicy{true});
  }
  void TearDown() override {
    if (deliverer_) deliverer_->Stop();
    stores_.health->Stop();
    std::filesystem::remove_all(dir_);
  }
  void Start(int64_t max_in_flight = 16) {
    DelivererSettings s;
    s.schedule.delays_s = {0, 5, 60};
    s.max_in_flight = max_in_flight;
    deliverer_ =
        std::make_unique<Deliverer>(*stores_.events, *subscriptions_, poster_, outlets_, clock_, random_, nullptr, s);
    subscriptions_->OnChange([this] { deliverer_->Wake(); });
    deliverer_->Start();
  }
  WithSecret Subscribe() {
    SubscriptionInput in;
    in.url = "http://127.0.0.1:9/hook";
    auto s = subscriptions_->Create("t", in);
    EXPECT_TRUE(s.ok());
    return *s;
  }
  // The deliverer has finished its step and waits for time to pass.
  void Settle() {
    ASSERT_TRUE(core::Eventually([&] { return clock_.AllWaiting(1); }));
  }
  store::DeliveryRecord Only(const std::string& sub) {
    store::DeliveryFilter f;
    f.subscription_id = sub;
    auto list = stores_.events->ListDeliveries(f);
    EXPECT_EQ(list.size(), 1u);
    return list.empty() ? store::DeliveryRecord{} : list[0];
  }

  std::string dir_;
  store::Stores stores_;
  core::FakeClock clock_;
  FixedRandom random_;
  security::SecretBox box_{std::string(32, 'k')};
  tenancy::OutletRegistry outlets_{box_};
  ScriptedPoster poster_;
  std::unique_ptr<Subscriptions> subscriptions_;
  std::unique_ptr<Deliverer> deliverer_;
};

TEST_F(DelivererTest, SignsRetriesOnTheScheduleAndLogsEveryAttempt) {
  auto sub = Subscribe();
  Start();
  ASSERT_TRUE(subscriptions_->Ping(std::nullopt, sub.subscription.id).ok());
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 1; }));
  PostRequest first = poster_.Request(0);
  std::string id = Header(first, "webhook-id");
  int64_t ts = std::stoll(Header(first, "webhook-timestamp"));
  EXPECT_EQ(ts, 1000);
  auto key = SecretKey(sub.secret);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(Verify(*key, id, ts, first.body, Header(first, "webhook-signature")));
  poster_.Answer(500);
  ASSERT_TRUE(core::Eventually([&] { return Only(sub.subscription.id).attempts.size() == 1; }));
  // The retry waits 5 s: nothing goes before.
  clock_.Advance(std::chrono::milliseconds(4000));
  deliverer_->Wake();
  Settle();
  EXPECT_EQ(poster_.Pending(), 0u);
  clock_.Advance(std::chrono::milliseconds(1000));
  deliverer_->Wake();
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 1; }));
  EXPECT_EQ(Header(poster_.Request(0), "webhook-id"), id);             // stable across retries
  EXPECT_EQ(Header(poster_.Request(0), "webhook-timestamp"), "1005");  // signed afresh
  poster_.Answer(503, 120);                                            // Retry-After beyond the schedule's 60 s
  ASSERT_TRUE(core::Eventually([&] { return Only(sub.subscription.id).attempts.size() == 2; }));
  EXPECT_EQ(Only(sub.subscription.id).next_attempt_at, 1'005'000 + 120'000);
  clock_.Advance(std::chrono::milliseconds(120'000));
  deliverer_->Wake();
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 1; }));
  poster_.Answer(500);  // the third and last attempt
  ASSERT_TRUE(core::Eventually([&] { return Only(sub.subscription.id).status == store::DeliveryStatus::kFailed; }));
  EXPECT_EQ(Only(sub.subscription.id).attempts.size(), 3u);
}

TEST_F(DelivererTest, AnEndpointHasAtMostItsLimitInFlight) {
  auto sub = Subscribe();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(subscriptions_->Ping(std::nullopt, sub.subscription.id).ok());
  Start(2);
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 2; }));
  Settle();
  EXPECT_EQ(poster_.Pending(), 2u);
  poster_.Answer(200);
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 2; }));
  while (poster_.Pending() > 0) {
    poster_.Answer(200);
    core::Eventually([&] { return deliverer_->InFlight() == poster_.Pending(); });
  }
  store::DeliveryFilter f;
  f.subscription_id = sub.subscription.id;
  f.status = store::DeliveryStatus::kSucceeded;
  ASSERT_TRUE(core::Eventually([&] { return stores_.events->ListDeliveries(f).size() == 5; }));
}

TEST_F(DelivererTest, AStopLeavesInFlightDeliveriesPendingForTheNextStart) {
  auto sub = Subscribe();
  ASSERT_TRUE(subscriptions_->Ping(std::nullopt, sub.subscription.id).ok());
  Start();
  ASSERT_TRUE(core::Eventually([&] { return poster_.Pending() == 1; }));
  deliverer_->Stop();
  poster_.Answer(200);  // too late: not recorded
  EXPECT_EQ(Only(sub.subscription.id).status, store::DeliveryStatus::kPending);
  EXPECT_TRUE(Only(sub.subscription.id).attempts.empty());
}

TEST(ConversationServiceBody, CarriesTheConversationServiceFields) {
  security::SecretBox box{std::string(32, 'k')};
  tenancy::OutletRegistry outlets(box);
  std::string payload =
      R"({"type":"message.received","timestamp":"2026-12-03T10:00:00.000Z","data":{"tenant_id":"t","outlet_id":"o",)"
      R"("conversation_id":"cnv_1","message_id":"in_1","whatsapp_message_id":"wamid.1","direction":"inbound",)"
      R"("from":"4915123456789","message_type":"text","content":{"body":"hi"},"status":"received",)"
      R"("timestamp":"2026-12-03T09:59:59.000Z"}})";
  auto body = nlohmann::json::parse(ConversationServiceBody(payload, outlets));
  for (const char* field : {"tenant_id", "outlet_id", "conversation_id", "message_id", "whatsapp_message_id",
                            "direction", "from", "to", "message_type", "content", "status", "timestamp"}) {
    EXPECT_TRUE(body.contains(field)) << field;
  }
  EXPECT_EQ(body["from"], "+4915123456789");
  EXPECT_EQ(body["content"]["body"], "hi");
  EXPECT_EQ(body["direction"], "inbound");
  EXPECT_EQ(body["conversation_id"], "cnv_1");  // no caller thread yet: the gateway's
  // A send keeps the caller's thread; a reply after it lands in the same thread.
  std::string sent =
      R"({"type":"message.sent","data":{"direction":"outbound","conversation_id":"crm-7","wagate_conversation_id":)"
      R"("cnv_1","to":"+4915123456789","status":"sent"}})";
  body = nlohmann::json::parse(ConversationServiceBody(sent, outlets));
  EXPECT_EQ(body["conversation_id"], "crm-7");
  EXPECT_EQ(body["wagate_conversation_id"], "cnv_1");
  EXPECT_EQ(body["to"], "+4915123456789");
  std::string reply = payload;
  reply.replace(reply.find(R"("conversation_id":"cnv_1")"), 25,
                R"("conversation_id":"cnv_1","caller_conversation_id":"crm-7")");
  body = nlohmann::json::parse(ConversationServiceBody(reply, outlets));
  EXPECT_EQ(body["conversation_id"], "crm-7");
}

}  // namespace
}  // namespace wagate::events
