#include "wagate/sandbox/limits/pair_limiter.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(SandboxPairLimiterTest, BurstThenRefused) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 45, 6000);
  for (int i = 0; i < 45; ++i) ASSERT_TRUE(pairs.TryAcquire("1", "628123456789")) << i;
  EXPECT_FALSE(pairs.TryAcquire("1", "628123456789"));
  EXPECT_FALSE(pairs.TryAcquire("1", "628123456789"));
}

TEST(SandboxPairLimiterTest, RefillsOneTokenPerInterval) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 3, 6000);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(5999));
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(1));
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));  // one token back after 6 s
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(12'000));  // two more
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(10 * 6000));  // refill stops at the bucket size
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pairs.TryAcquire("1", "2")) << i;
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
}

TEST(SandboxPairLimiterTest, SteadyRateOfOnePerIntervalIsNeverRefused) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 1, 6000);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(pairs.TryAcquire("1", "2")) << i;
    ASSERT_FALSE(pairs.TryAcquire("1", "2")) << i;  // refused: takes nothing
    clock.Advance(core::Millis(6000));
  }
}

TEST(SandboxPairLimiterTest, RefusedAttemptsTakeNoToken) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 2, 1000);
  ASSERT_TRUE(pairs.TryAcquire("1", "2"));
  ASSERT_TRUE(pairs.TryAcquire("1", "2"));
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(1000));
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
}

TEST(SandboxPairLimiterTest, BurstZeroTurnsItOff) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 0, 6000);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_EQ(pairs.tracked_pairs(), 0u);
}

TEST(SandboxPairLimiterTest, PairsAreIndependent) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 2, 6000);
  ASSERT_TRUE(pairs.TryAcquire("111", "5"));
  ASSERT_TRUE(pairs.TryAcquire("111", "5"));
  EXPECT_FALSE(pairs.TryAcquire("111", "5"));
  EXPECT_TRUE(pairs.TryAcquire("111", "6"));  // same number, another recipient
  EXPECT_TRUE(pairs.TryAcquire("222", "5"));  // same recipient, another number
  EXPECT_TRUE(pairs.TryAcquire("11", "15"));  // keys do not collide when concatenated
  EXPECT_TRUE(pairs.TryAcquire("11", "15"));
  EXPECT_FALSE(pairs.TryAcquire("11", "15"));
}

TEST(SandboxPairLimiterTest, ReconfiguringResetsBucketsAndAppliesAtOnce) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 1, 6000);
  ASSERT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  pairs.Configure(2, 200);
  EXPECT_EQ(pairs.burst(), 2);
  EXPECT_EQ(pairs.interval_ms(), 200);
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  clock.Advance(core::Millis(200));
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
  pairs.Configure(2, 200);  // the same values change nothing
  EXPECT_FALSE(pairs.TryAcquire("1", "2"));
  pairs.Configure(0, 200);
  EXPECT_TRUE(pairs.TryAcquire("1", "2"));
}

TEST(SandboxPairLimiterTest, PairsWhoseBucketIsFullAgainAreForgotten) {
  core::FakeClock clock;
  PairLimiter pairs(clock, 45, 6000);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(pairs.TryAcquire("1", std::to_string(16505550000LL + i)));
  EXPECT_GE(pairs.tracked_pairs(), 10'000u);
  // A pair that used its whole burst stays (its bucket is not full) until it has refilled.
  for (int i = 0; i < 45; ++i) ASSERT_TRUE(pairs.TryAcquire("1", "busy"));
  clock.Advance(core::Millis(PairLimiter::kSweepPeriodMs + 6000));
  EXPECT_TRUE(pairs.TryAcquire("1", "another"));  // a call after the sweep period sweeps
  EXPECT_EQ(pairs.tracked_pairs(), 2u);           // "busy" (still refilling) and "another"
  EXPECT_FALSE(pairs.TryAcquire("1", "busy") && pairs.TryAcquire("1", "busy") && pairs.TryAcquire("1", "busy") &&
               pairs.TryAcquire("1", "busy"));  // only 16 s of refill: 2 tokens, state kept
  clock.Advance(core::Millis(45 * 6000 + PairLimiter::kSweepPeriodMs));
  EXPECT_TRUE(pairs.TryAcquire("1", "x"));
  EXPECT_EQ(pairs.tracked_pairs(), 1u);
}

}  // namespace
}  // namespace wagate::sandbox
