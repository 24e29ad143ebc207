#include "wagate/engine/dispatcher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>
#include <utility>

#include "wagate/graph/client.hpp"
#include "wagate/security/secret_box.hpp"
#include "wagate/store/sqlite/open_sqlite.hpp"

namespace wagate::engine {
namespace {

using core::MessageStatus;

constexpr const char* kAlice = "+4915100000001";
constexpr const char* kBob = "+4915100000002";
// Threads that wait on the clock: the dispatcher's one worker and the outcome waiters' timer.
constexpr size_t kClockThreads = 2;

graph::SendResult Accepted(const std::string& wamid) {
  return graph::InterpretResponse(200, R"({"messages":[{"id":")" + wamid + R"("}]})");
}
graph::SendResult GraphError(int http_status, int64_t code) {
  return graph::InterpretResponse(http_status, R"({"error":{"code":)" + std::to_string(code) + R"(,"message":"x"}})");
}
// What graph::Client reports when Meta did not answer in time (the request may have arrived).
graph::SendResult TimedOut() {
  graph::SendResult r;
  r.verdict = graph::Verdict::kRetry;
  r.error = {0, "timeout", "Operation timed out"};
  return r;
}

// Graph as the test scripts it: each request's body is its message id (the fixture stores it so), and
// `script` answers the n-th attempt of that message. Records who was sent when (simulated time).
class FakeSender final : public graph::Sender {
 public:
  using Script = std::function<graph::SendResult(const std::string& message_id, int attempt)>;
  struct Call {
    std::string message_id;
    int64_t at_ms;
  };

  explicit FakeSender(const core::Clock& clock) : clock_(clock) {}
  void SetScript(Script script) { script_ = std::move(script); }

  std::vector<graph::SendResult> SendBatch(const std::vector<graph::SendRequest>& requests) const override {
    std::vector<graph::SendResult> results;
    for (const auto& request : requests) {
      if (request.on_departure) request.on_departure();
      int attempt = 0;
      {
        std::lock_guard lock(mu_);
        calls_.push_back({request.body, clock_.NowMs()});
        attempt = ++attempts_[request.body];
      }
      results.push_back(script_(request.body, attempt));
    }
    return results;
  }

  std::vector<Call> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<int64_t> TimesOf(const std::string& message_id) const {
    std::vector<int64_t> times;
    for (const auto& c : Calls()) {
      if (c.message_id == message_id) times.push_back(c.at_ms);
    }
    return times;
  }

 private:
  const core::Clock& clock_;
  Script script_ = [](const std::string& id, int) { return Accepted("wamid." + id); };
  mutable std::mutex mu_;
  mutable std::vector<Call> calls_;
  mutable std::map<std::string, int> attempts_;
};

// The real Dispatcher over a temporary SQLite store, a scripted Graph and a fake clock. The test
// thread moves time only when every engine thread waits for it, so nothing sleeps in real time.
// Real time only ever bounds a hang: generous, so a loaded machine (or a sanitizer build) never trips it.
constexpr auto kHangGuard = std::chrono::seconds(60);

class DispatcherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/wagate_dispatcher_test_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto opened = store::sqlite::OpenSqliteStores({dir_ + "/wagate.db", 2, 64});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    stores_ = std::move(*opened);
    store::OutletRecord o;
    o.id = "o";
    o.tenant_id = "t";
    o.phone_number_id = "111";
    o.access_token_sealed = box_.Seal("token");
    o.app_secret_sealed = box_.Seal("secret");
    o.verify_token_sealed = box_.Seal("verify");
    ASSERT_TRUE(stores_.tenants->CreateTenant(store::TenantRecord{"t", "T", std::nullopt, 1}).ok());
    ASSERT_TRUE(stores_.tenants->CreateOutlet(o).ok());
    ASSERT_TRUE(outlets_.Put(o));
    settings_.workers = 1;
    settings_.retry = {3, 1000, 0.2};
    settings_.throttle_extra_attempts = 2;
    settings_.throttle_pause_ms = 1500;
    settings_.in_doubt_timeout_ms = 60'000;
  }

  void TearDown() override {
    if (dispatcher_) StopInSimulatedTime();
    dispatcher_.reset();
    if (stores_.health) stores_.health->Stop();
    stores_ = store::Stores{};
    std::filesystem::remove_all(dir_);
  }

  // A queued message due now; its Graph request body is its id (FakeSender reads it back).
  void InsertQueued(const std::string& id, const std::string& to) {
    store::MessageRecord m;
    m.id = id;
    m.tenant_id = "t";
    m.outlet_id = "o";
    m.to_number = to;
    m.message_type = "text";
    m.graph_request = id;
    m.created_at = clock_.NowMs();
    m.next_attempt_at = clock_.NowMs();
    std::promise<bool> accepted;
    stores_.messages->Accept(store::AcceptRequest{m, std::nullopt, "", true, "2026-12"},
                             [&accepted](const core::Result<store::AcceptResult>& r) { accepted.set_value(r.ok()); });
    ASSERT_TRUE(accepted.get_future().get());
  }
  // Claimed by a process that then stopped: the request may have reached Meta.
  void InsertInDoubt(const std::string& id, const std::string& to) {
    InsertQueued(id, to);
    auto claimed = stores_.messages->ClaimBatch({store::ClaimRequest{id, false}}, clock_.NowMs());
    ASSERT_TRUE(claimed.ok() && (*claimed)[0].has_value());
  }
  // A status webhook for `id`, as inbound::Processor applies it.
  void DeliverStatus(const std::string& id, const std::string& wamid, MessageStatus status) {
    core::StatusEvent e;
    e.phone_number_id = "111";
    e.wamid = wamid;
    e.message_id = id;
    e.status = status;
    e.at_ms = clock_.NowMs();
    std::promise<core::Result<int64_t>> appended;
    stores_.journal->Append("{}", "", {}, clock_.NowMs(),
                            [&appended](core::Result<int64_t> id) { appended.set_value(std::move(id)); });
    auto journal_id = appended.get_future().get();
    ASSERT_TRUE(journal_id.ok());
    store::JournalApplication what;
    what.journal_id = *journal_id;
    what.statuses.push_back(e);
    ASSERT_TRUE(stores_.journal->Apply({what}, clock_.NowMs()).ok());
  }

  store::MessageRecord Load(const std::string& id) { return *stores_.messages->Get(id); }
  MessageStatus StatusOf(const std::string& id) { return Load(id).status; }

  // Resumes from the store, as at a process start.
  void Start() {
    dispatcher_ = std::make_unique<Dispatcher>(settings_, *stores_.messages, outlets_, sender_, clock_, random_,
                                               waiters_, windows_, metrics_, pacing_);
    dispatcher_->Start();
  }

  // A synchronous caller waiting for `id`'s outcome.
  void AwaitOutcome(const std::string& id) {
    waiters_.Register(id, clock_.NowMs() + 3'600'000, [this](const std::string& mid, std::optional<Outcome> o) {
      std::lock_guard lock(outcomes_mu_);
      outcomes_[mid] = std::move(o);
    });
  }
  std::optional<std::optional<Outcome>> OutcomeOf(const std::string& id) {
    std::lock_guard lock(outcomes_mu_);
    auto it = outcomes_.find(id);
    if (it == outcomes_.end()) return std::nullopt;
    return it->second;
  }

  // Runs the engine in simulated time until `done` holds: whenever every engine thread waits for
  // time to pass, time jumps to the earliest deadline among them, but not past `limit` from now.
  // Beyond it, only real work still under way (a store write, whose answer may wake the engine) can
  // make `done` hold; false if it does not within kHangGuard of real time (a hang, not slowness).
  bool RunUntil(const std::function<bool()>& done, core::Millis limit = core::Millis(600'000)) {
    core::TimePoint end = clock_.Now() + limit;
    auto real_end = std::chrono::steady_clock::now() + kHangGuard;
    while (!done()) {
      if (std::chrono::steady_clock::now() > real_end) return false;
      if (!Step(end)) std::this_thread::yield();
    }
    return true;
  }
  // Runs the engine in simulated time for `span` (until nothing is due before its end).
  void RunFor(core::Millis span) {
    core::TimePoint end = clock_.Now() + span;
    auto real_end = std::chrono::steady_clock::now() + kHangGuard;
    while (std::chrono::steady_clock::now() < real_end) {
      if (Step(end)) continue;
      if (clock_.AllWaiting(kClockThreads)) return;  // idle, and its next deadline lies beyond `end`
      std::this_thread::yield();
    }
    ADD_FAILURE() << "the engine never went idle";
  }
  // Moves time to the next deadline if every engine thread waits for one no later than `end`.
  bool Step(core::TimePoint end) {
    if (!clock_.AllWaiting(kClockThreads)) return false;
    std::optional<core::TimePoint> next = clock_.NextDeadline();
    if (!next || *next > end) return false;
    clock_.Advance(std::chrono::duration_cast<std::chrono::microseconds>(*next - clock_.Now()));
    return true;
  }
  // Returns once every store write queued so far has committed and its callback has run.
  // (An empty requeue: a write of nothing, answered after every write queued before it.)
  void Flush() {
    std::promise<void> done;
    stores_.messages->Requeue({}, clock_.NowMs(),
                              [&done](const core::Result<std::vector<std::string>>&) { done.set_value(); });
    done.get_future().get();
  }
  // Stop() waits for a send in progress, which may be waiting for its departure slot: time moves on.
  void StopInSimulatedTime() {
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
      dispatcher_->Stop();
      stopped = true;
    });
    RunUntil([&] { return stopped.load(); });
    stopper.join();
  }

  std::string dir_;
  core::FakeClock clock_;
  core::FixedRandom random_{0.5};  // no jitter: retry delays are exactly 1 s, 2 s, 4 s, …
  security::SecretBox box_{std::string(security::SecretBox::kKeyBytes, 'k')};
  tenancy::OutletRegistry outlets_{box_};
  conversation::ContactWindows windows_;
  metrics::Registry metrics_;
  OutcomeWaiters waiters_{clock_};
  PacingMargin pacing_{{20, 250, 30'000}, [](int64_t) { return int64_t{0}; }, clock_};
  FakeSender sender_{clock_};
  EngineSettings settings_;
  store::Stores stores_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::mutex outcomes_mu_;
  std::map<std::string, std::optional<Outcome>> outcomes_;
};

TEST_F(DispatcherTest, SendsAQueuedMessageAndAnswersTheCaller) {
  InsertQueued("m1", kAlice);
  AwaitOutcome("m1");
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  std::optional<Outcome> o = *OutcomeOf("m1");
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->sent);
  EXPECT_EQ(o->wamid, "wamid.m1");
  EXPECT_EQ(o->attempts, 1);
  EXPECT_EQ(StatusOf("m1"), MessageStatus::kSent);
}

TEST_F(DispatcherTest, TransientFailuresBackOffAndSpendTheRetryBudget) {
  sender_.SetScript([](const std::string&, int) { return GraphError(500, 131000); });
  InsertQueued("m1", kAlice);
  AwaitOutcome("m1");
  int64_t t0 = clock_.NowMs();
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  // Three attempts in all: at once, after 1 s, after 2 s more.
  EXPECT_EQ(sender_.TimesOf("m1"), (std::vector<int64_t>{t0, t0 + 1000, t0 + 3000}));
  std::optional<Outcome> o = *OutcomeOf("m1");
  ASSERT_TRUE(o.has_value());
  EXPECT_FALSE(o->sent);
  EXPECT_EQ(o->attempts, 3);
  EXPECT_EQ(o->error.code, 131000);
  store::MessageRecord m = Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kFailed);
  EXPECT_EQ(m.attempts, 3);
}

TEST_F(DispatcherTest, ARetryThatSucceedsIsSent) {
  sender_.SetScript(
      [](const std::string& id, int attempt) { return attempt == 1 ? TimedOut() : Accepted("wamid." + id); });
  InsertQueued("m1", kAlice);
  Start();
  ASSERT_TRUE(RunUntil([&] { return StatusOf("m1") == MessageStatus::kSent; }));
  EXPECT_EQ(sender_.TimesOf("m1").size(), 2u);
  EXPECT_EQ(Load("m1").wamid, "wamid.m1");
}

TEST_F(DispatcherTest, ThrottlingGetsExtraAttemptsAndPausesTheLane) {
  // Four rate-limit answers: past the transient budget of 3, within its 2 extra attempts.
  sender_.SetScript([](const std::string& id, int attempt) {
    return attempt <= 4 ? GraphError(400, 130429) : Accepted("wamid." + id);
  });
  InsertQueued("m1", kAlice);
  AwaitOutcome("m1");
  int64_t t0 = clock_.NowMs();
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  std::optional<Outcome> o = *OutcomeOf("m1");
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->sent);
  EXPECT_EQ(o->attempts, 5);
  // The first retry waits for the lane's pause (1.5 s), not just the 1 s backoff.
  std::vector<int64_t> times = sender_.TimesOf("m1");
  ASSERT_EQ(times.size(), 5u);
  EXPECT_EQ(times[1], t0 + 1500);
  EXPECT_EQ(dispatcher_->Lane("o")->snapshot.counters.throttled, 4u);
}

TEST_F(DispatcherTest, ThrottlingFailsOnceTheExtraAttemptsAreSpent) {
  sender_.SetScript([](const std::string&, int) { return GraphError(429, 130429); });
  InsertQueued("m1", kAlice);
  Start();
  ASSERT_TRUE(RunUntil([&] { return StatusOf("m1") == MessageStatus::kFailed; }));
  EXPECT_EQ(sender_.TimesOf("m1").size(), 5u);  // 3 + 2
  EXPECT_EQ(Load("m1").error->code, 130429);
}

TEST_F(DispatcherTest, PairRateLimitHoldsBackOnlyThatCustomer) {
  sender_.SetScript([](const std::string& id, int attempt) {
    return id == "m1" && attempt == 1 ? GraphError(400, 131056) : Accepted("wamid." + id);
  });
  InsertQueued("m1", kAlice);
  InsertQueued("m2", kAlice);
  InsertQueued("m3", kBob);
  int64_t t0 = clock_.NowMs();
  Start();
  ASSERT_TRUE(RunUntil([&] {
    return StatusOf("m1") == MessageStatus::kSent && StatusOf("m2") == MessageStatus::kSent &&
           StatusOf("m3") == MessageStatus::kSent;
  }));
  std::vector<int64_t> m1 = sender_.TimesOf("m1"), m2 = sender_.TimesOf("m2"), m3 = sender_.TimesOf("m3");
  ASSERT_EQ(m1.size(), 2u);
  ASSERT_EQ(m2.size(), 1u);
  ASSERT_EQ(m3.size(), 1u);
  EXPECT_LT(m3[0], t0 + 1000) << "Bob is not held back";
  EXPECT_GE(m2[0], t0 + 1000) << "Alice waits out the backoff";
  EXPECT_GE(m1[1], t0 + 1000);
  LaneView lane = *dispatcher_->Lane("o");
  EXPECT_EQ(lane.snapshot.counters.pair_throttled, 1u);
  EXPECT_EQ(lane.snapshot.counters.throttled, 0u) << "the lane as a whole was not paused";
}

TEST_F(DispatcherTest, PairRateLimitRetryIsShownAsSuch) {
  sender_.SetScript([](const std::string&, int) { return GraphError(400, 131056); });
  InsertQueued("m1", kAlice);
  Start();
  ASSERT_TRUE(RunUntil([&] { return sender_.Calls().size() == 1 && StatusOf("m1") == MessageStatus::kQueued; }));
  EXPECT_EQ(Load("m1").deferred_reason, "pair_rate");
}

// In-doubt resolution writes to the store asynchronously, so these tests stop simulated time just
// past the timeout and let the write land.
TEST_F(DispatcherTest, InDoubtMessageBecomesUnknownAfterTheTimeout) {
  InsertInDoubt("m1", kAlice);
  int64_t t0 = clock_.NowMs();
  Start();
  ASSERT_TRUE(RunUntil([&] { return StatusOf("m1") == MessageStatus::kUnknown; }, core::Millis(61'000)));
  EXPECT_GE(clock_.NowMs(), t0 + 60'000);
  EXPECT_TRUE(sender_.Calls().empty()) << "never resent blindly";
  EXPECT_EQ(dispatcher_->QueueDepth(), 0u);
}

TEST_F(DispatcherTest, InDoubtMessageIsResentAfterTheTimeoutWhenConfigured) {
  settings_.in_doubt_policy = InDoubtPolicy::kResend;
  InsertInDoubt("m1", kAlice);
  int64_t t0 = clock_.NowMs();
  Start();
  ASSERT_TRUE(RunUntil([&] { return StatusOf("m1") == MessageStatus::kSent; }, core::Millis(61'000)));
  std::vector<int64_t> times = sender_.TimesOf("m1");
  ASSERT_EQ(times.size(), 1u);
  EXPECT_GE(times[0], t0 + 60'000);
}

TEST_F(DispatcherTest, AWebhookBeforeTheTimeoutSettlesAnInDoubtMessage) {
  settings_.in_doubt_policy = InDoubtPolicy::kResend;
  InsertInDoubt("m1", kAlice);
  Start();
  DeliverStatus("m1", "wamid.early", MessageStatus::kDelivered);
  // Past the timeout the in-doubt check runs, finds the message settled and leaves it alone.
  ASSERT_TRUE(RunUntil([&] { return dispatcher_->QueueDepth() == 0; }, core::Millis(61'000)));
  Flush();
  RunFor(core::Millis(10'000));  // time enough for a (wrong) resend
  EXPECT_EQ(StatusOf("m1"), MessageStatus::kDelivered);
  EXPECT_EQ(Load("m1").wamid, "wamid.early");
  EXPECT_TRUE(sender_.Calls().empty());
}

TEST_F(DispatcherTest, ATimedOutSendThatAWebhookConfirmedStaysSent) {
  // The request reached Meta, whose status webhook arrives while our request times out; with no
  // attempts left it would fail, but the webhook wins and the caller hears "sent".
  settings_.retry.max_attempts = 1;
  sender_.SetScript([this](const std::string& id, int) {
    DeliverStatus(id, "wamid.late", MessageStatus::kSent);
    return TimedOut();
  });
  InsertQueued("m1", kAlice);
  AwaitOutcome("m1");
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  std::optional<Outcome> o = *OutcomeOf("m1");
  ASSERT_TRUE(o.has_value());
  EXPECT_TRUE(o->sent);
  EXPECT_EQ(o->wamid, "wamid.late");
  EXPECT_EQ(StatusOf("m1"), MessageStatus::kSent);
}

TEST_F(DispatcherTest, ATimedOutSendWithNoWebhookFails) {
  settings_.retry.max_attempts = 1;
  sender_.SetScript([](const std::string&, int) { return TimedOut(); });
  InsertQueued("m1", kAlice);
  AwaitOutcome("m1");
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  std::optional<Outcome> o = *OutcomeOf("m1");
  ASSERT_TRUE(o.has_value());
  EXPECT_FALSE(o->sent);
  EXPECT_EQ(o->error.title, "timeout");
  EXPECT_EQ(StatusOf("m1"), MessageStatus::kFailed);
}

TEST_F(DispatcherTest, ASyncCallerWhoseDeadlinePassesHearsNothingYet) {
  sender_.SetScript([](const std::string&, int) { return GraphError(500, 131000); });
  InsertQueued("m1", kAlice);
  waiters_.Register("m1", clock_.NowMs() + 500, [this](const std::string& id, std::optional<Outcome> o) {
    std::lock_guard lock(outcomes_mu_);
    outcomes_[id] = std::move(o);
  });
  Start();
  ASSERT_TRUE(RunUntil([&] { return OutcomeOf("m1").has_value(); }));
  EXPECT_FALSE(OutcomeOf("m1")->has_value()) << "timed out before the first retry";
}

}  // namespace
}  // namespace wagate::engine
