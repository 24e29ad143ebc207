#include "wagate/sandbox/limits/messaging_tier.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

constexpr int64_t kHour = 3600LL * 1000;

TEST(SandboxMessagingTierTest, UniqueCustomersUpToTheLimit) {
  core::FakeClock clock;
  MessagingTier tier(clock, 3);
  EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_TRUE(tier.TryReach("1", "b"));
  EXPECT_TRUE(tier.TryReach("1", "c"));
  EXPECT_FALSE(tier.TryReach("1", "d"));
  EXPECT_FALSE(tier.TryReach("1", "d"));  // a refused customer is not counted
  EXPECT_EQ(tier.reached("1"), 3u);
}

TEST(SandboxMessagingTierTest, CustomersAlreadyReachedCountOnce) {
  core::FakeClock clock;
  MessagingTier tier(clock, 2);
  EXPECT_TRUE(tier.TryReach("1", "a"));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_TRUE(tier.TryReach("1", "b"));
  EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_FALSE(tier.TryReach("1", "c"));
  EXPECT_EQ(tier.reached("1"), 2u);
}

TEST(SandboxMessagingTierTest, RollingPeriodStartsAtTheFirstCountedSend) {
  core::FakeClock clock;
  MessagingTier tier(clock, 2);
  EXPECT_TRUE(tier.TryReach("1", "a"));  // t = 0
  clock.Advance(core::Millis(10 * kHour));
  EXPECT_TRUE(tier.TryReach("1", "b"));  // t = 10 h
  EXPECT_TRUE(tier.TryReach("1", "a"));  // still counted from t = 0, not refreshed
  clock.Advance(core::Millis(14 * kHour - 1));
  EXPECT_FALSE(tier.TryReach("1", "c"));  // t = 24 h - 1 ms: both still count
  clock.Advance(core::Millis(1));
  EXPECT_TRUE(tier.TryReach("1", "c"));   // t = 24 h: a left the period
  EXPECT_FALSE(tier.TryReach("1", "a"));  // a counts again as new, and there is no room
  clock.Advance(core::Millis(10 * kHour));
  EXPECT_TRUE(tier.TryReach("1", "a"));  // t = 34 h: b left
  EXPECT_EQ(tier.reached("1"), 2u);
}

TEST(SandboxMessagingTierTest, EachNumberHasItsOwnBudget) {
  core::FakeClock clock;
  MessagingTier tier(clock, 1);
  EXPECT_TRUE(tier.TryReach("111", "a"));
  EXPECT_FALSE(tier.TryReach("111", "b"));
  EXPECT_TRUE(tier.TryReach("222", "b"));
}

TEST(SandboxMessagingTierTest, ZeroIsUnlimitedAndLimitChangesAtRuntime) {
  core::FakeClock clock;
  MessagingTier tier(clock, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(tier.TryReach("1", std::to_string(i)));
  EXPECT_EQ(tier.reached("1"), 0u);  // nothing is remembered while unlimited
  tier.SetLimit(2);
  EXPECT_EQ(tier.limit(), 2);
  EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_TRUE(tier.TryReach("1", "b"));
  EXPECT_FALSE(tier.TryReach("1", "c"));
  tier.SetLimit(3);  // raising keeps the counts
  EXPECT_TRUE(tier.TryReach("1", "c"));
  EXPECT_FALSE(tier.TryReach("1", "d"));
  tier.SetLimit(1);  // lowering keeps them too: nobody new until the period frees room
  EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_FALSE(tier.TryReach("1", "d"));
  tier.SetLimit(0);
  EXPECT_TRUE(tier.TryReach("1", "d"));
  EXPECT_EQ(tier.reached("1"), 0u);
}

TEST(SandboxMessagingTierTest, ANumbersOwnLimitReplacesTheDefault) {
  core::FakeClock clock;
  MessagingTier tier(clock, 1);
  tier.SetNumberLimit("1", 2);
  EXPECT_EQ(tier.LimitFor("1"), 2);
  EXPECT_EQ(tier.LimitFor("2"), 1);
  EXPECT_TRUE(tier.TryReach("1", "a"));
  EXPECT_TRUE(tier.TryReach("1", "b"));
  EXPECT_FALSE(tier.TryReach("1", "c"));
  EXPECT_TRUE(tier.TryReach("2", "a"));
  EXPECT_FALSE(tier.TryReach("2", "b"));
  tier.SetLimit(0);  // the default turns unlimited: numbers that follow it forget their counts, "1" keeps its own
  EXPECT_EQ(tier.reached("2"), 0u);
  EXPECT_EQ(tier.reached("1"), 2u);
  EXPECT_FALSE(tier.TryReach("1", "c"));
  tier.SetNumberLimit("1", 0);  // unlimited for that number, whatever the default
  tier.SetLimit(5);
  EXPECT_EQ(tier.LimitFor("1"), 0);
  EXPECT_EQ(tier.reached("1"), 0u);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(tier.TryReach("1", std::to_string(i)));
  EXPECT_EQ(tier.reached("1"), 0u);
}

TEST(SandboxMessagingTierTest, MetasTierNamesAsLimits) {
  EXPECT_EQ(LimitOfTier("TIER_50"), 50);
  EXPECT_EQ(LimitOfTier("TIER_250"), 250);
  EXPECT_EQ(LimitOfTier("TIER_1K"), 1000);
  EXPECT_EQ(LimitOfTier("TIER_2K"), 2000);
  EXPECT_EQ(LimitOfTier("TIER_10K"), 10'000);
  EXPECT_EQ(LimitOfTier("TIER_100K"), 100'000);
  EXPECT_EQ(LimitOfTier("TIER_UNLIMITED"), 0);
  EXPECT_EQ(LimitOfTier("TIER_NOT_SET"), std::nullopt);
  EXPECT_EQ(LimitOfTier("tier_250"), std::nullopt);
  EXPECT_EQ(MessagingTierNames().size(), 8u);
}

}  // namespace
}  // namespace wagate::sandbox
