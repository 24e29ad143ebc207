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

}  // namespace
}  // namespace wagate::sandbox
