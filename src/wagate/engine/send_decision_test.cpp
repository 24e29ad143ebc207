#include "wagate/engine/send_decision.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {
namespace {

EngineSettings Settings() {
  EngineSettings s;
  s.retry = {3, 1000, 0.2};  // 3 attempts in all; 1 s, 2 s
  s.throttle_extra_attempts = 2;
  s.throttle_pause_ms = 1500;
  return s;
}

graph::SendResult Answer(int http_status, std::optional<int64_t> code) {
  graph::SendResult r;
  r.http_status = http_status;
  r.verdict = graph::Classify(http_status, code);
  r.throttle = graph::ClassifyThrottle(http_status, code);
  r.error.code = code.value_or(0);
  return r;
}

TEST(SendDecision, AcceptedIsSentWithNoSlowdown) {
  Decision d = Decide(Answer(200, std::nullopt), 1, Settings(), 0.5);
  EXPECT_EQ(d.kind, Decision::Kind::kSent);
  EXPECT_EQ(d.slowdown, Decision::Slowdown::kNone);
}

TEST(SendDecision, TransientFailuresBackOffUntilTheBudgetIsSpent) {
  Decision first = Decide(Answer(500, std::nullopt), 1, Settings(), 0.5);
  EXPECT_EQ(first.kind, Decision::Kind::kRetry);
  EXPECT_EQ(first.retry_in_ms, 1000);
  EXPECT_EQ(first.reason, nullptr);
  EXPECT_FALSE(first.throttled);
  EXPECT_EQ(Decide(Answer(0, std::nullopt), 2, Settings(), 0.5).retry_in_ms, 2000);
  EXPECT_EQ(Decide(Answer(500, std::nullopt), 3, Settings(), 0.5).kind, Decision::Kind::kFail);
}

TEST(SendDecision, JitterComesFromTheCaller) {
  EXPECT_EQ(Decide(Answer(500, std::nullopt), 1, Settings(), 0.0).retry_in_ms, 800);
  EXPECT_EQ(Decide(Answer(500, std::nullopt), 1, Settings(), 1.0).retry_in_ms, 1200);
}

TEST(SendDecision, PermanentAndHoursLongFailuresFailAtOnce) {
  EXPECT_EQ(Decide(Answer(400, 131026), 1, Settings(), 0.5).kind, Decision::Kind::kFail);
  EXPECT_EQ(Decide(Answer(400, 131048), 1, Settings(), 0.5).kind, Decision::Kind::kFail);  // kRetryLater
}

TEST(SendDecision, ThrottlingGetsExtraAttemptsAndPausesTheLane) {
  Decision d = Decide(Answer(400, 130429), 3, Settings(), 0.5);  // past the transient budget
  EXPECT_EQ(d.kind, Decision::Kind::kRetry);
  EXPECT_TRUE(d.throttled);
  EXPECT_STREQ(d.reason, "throttled");
  EXPECT_EQ(d.slowdown, Decision::Slowdown::kLane);
  EXPECT_EQ(d.slowdown_ms, 1500);
  Decision spent = Decide(Answer(400, 130429), 5, Settings(), 0.5);
  EXPECT_EQ(spent.kind, Decision::Kind::kFail);
  EXPECT_EQ(spent.slowdown, Decision::Slowdown::kLane) << "the lane slows down even when the message gives up";
}

TEST(SendDecision, RetryAfterLengthensTheWaitAndThePause) {
  graph::SendResult r = Answer(429, std::nullopt);
  r.retry_after_ms = 7000;
  Decision d = Decide(r, 1, Settings(), 0.5);
  EXPECT_EQ(d.retry_in_ms, 7000);
  EXPECT_EQ(d.slowdown_ms, 7000);
}

TEST(SendDecision, PairRateLimitSlowsOnlyThatCustomer) {
  Decision d = Decide(Answer(400, 131056), 2, Settings(), 0.5);
  EXPECT_EQ(d.kind, Decision::Kind::kRetry);
  EXPECT_STREQ(d.reason, "pair_rate");
  EXPECT_EQ(d.slowdown, Decision::Slowdown::kCustomer);
  EXPECT_EQ(d.slowdown_ms, d.retry_in_ms);  // the customer waits as long as the message
  Decision spent = Decide(Answer(400, 131056), 5, Settings(), 0.5);
  EXPECT_EQ(spent.kind, Decision::Kind::kFail);
  EXPECT_EQ(spent.slowdown_ms, 1000) << "out of attempts: the base delay";
}

}  // namespace
}  // namespace wagate::engine
