#include "wagate/events/retry_schedule.hpp"

#include <gtest/gtest.h>

namespace wagate::events {
namespace {

constexpr double kNoJitter = 0.5;  // the middle of [0, 1): the delay itself

TEST(RetrySchedule, EachFailureWaitsTheNextStep) {
  RetrySchedule schedule;
  const std::vector<int64_t> expected_s = {5, 300, 1800, 7200, 18000, 36000, 36000};
  for (size_t i = 0; i < expected_s.size(); ++i) {
    EXPECT_EQ(NextAttemptDelayMs(schedule, static_cast<int>(i) + 1, std::nullopt, kNoJitter), expected_s[i] * 1000)
        << "after attempt " << i + 1;
  }
  EXPECT_EQ(NextAttemptDelayMs(schedule, 0, std::nullopt, kNoJitter), 0);  // the first attempt: at once
}

TEST(RetrySchedule, NoAttemptAfterTheLast) {
  RetrySchedule schedule;
  EXPECT_FALSE(NextAttemptDelayMs(schedule, 8, std::nullopt, kNoJitter).has_value());
  EXPECT_FALSE(NextAttemptDelayMs(schedule, 9, 60, kNoJitter).has_value());  // Retry-After cannot extend it
  schedule.delays_s = {0};
  EXPECT_FALSE(NextAttemptDelayMs(schedule, 1, std::nullopt, kNoJitter).has_value());
  schedule.delays_s = {};
  EXPECT_FALSE(NextAttemptDelayMs(schedule, 0, std::nullopt, kNoJitter).has_value());
}

TEST(RetrySchedule, JitterStaysWithinItsFraction) {
  RetrySchedule schedule;  // after attempt 3: 1800 s ± 20 %
  EXPECT_EQ(NextAttemptDelayMs(schedule, 3, std::nullopt, 0.0), 1'440'000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 3, std::nullopt, 0.75), 1'980'000);
  for (int i = 0; i < 100; ++i) {
    double unit = i / 100.0;
    int64_t delay = NextAttemptDelayMs(schedule, 3, std::nullopt, unit).value();
    EXPECT_GE(delay, 1'440'000) << unit;
    EXPECT_LT(delay, 2'160'000) << unit;
  }
  // Out-of-range randomness is clamped, never a negative or runaway wait.
  EXPECT_EQ(NextAttemptDelayMs(schedule, 3, std::nullopt, -5.0), 1'440'000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 3, std::nullopt, 7.0), 2'160'000);
  schedule.jitter = 0;
  EXPECT_EQ(NextAttemptDelayMs(schedule, 3, std::nullopt, 0.0), 1'800'000);
}

TEST(RetrySchedule, RetryAfterRaisesTheWaitButNeverLowersIt) {
  RetrySchedule schedule;  // after attempt 1: 5 s
  EXPECT_EQ(NextAttemptDelayMs(schedule, 1, 120, kNoJitter), 120'000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 1, 2, kNoJitter), 5'000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 1, -30, kNoJitter), 5'000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 1, 10 * kMaxRetryAfterS, kNoJitter), kMaxRetryAfterS * 1000);
  EXPECT_EQ(NextAttemptDelayMs(schedule, 0, 30, kNoJitter), 30'000);
}

}  // namespace
}  // namespace wagate::events
