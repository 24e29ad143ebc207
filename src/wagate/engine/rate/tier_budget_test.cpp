#include "wagate/engine/rate/tier_budget.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

constexpr int64_t kHour = 3600 * 1000;

TEST(TierBudget, CountsUniqueCustomersUpToTheLimit) {
  TierBudget tier(2);
  EXPECT_TRUE(tier.Fits("+1", 0));
  tier.Record("+1", 0);
  tier.Record("+1", 10);  // the same customer again costs nothing
  EXPECT_TRUE(tier.Fits("+2", 20));
  tier.Record("+2", 20);
  EXPECT_FALSE(tier.Fits("+3", 30));
  EXPECT_TRUE(tier.Fits("+1", 30));  // already reached: still fine
  EXPECT_EQ(tier.Used(30), 2u);
}

TEST(TierBudget, SlotsFreeUpAfterARolling24Hours) {
  TierBudget tier(1);
  tier.Record("+1", 5 * kHour);
  EXPECT_FALSE(tier.Fits("+2", 6 * kHour));
  EXPECT_EQ(tier.NextSlotMs(6 * kHour), 29 * kHour);
  EXPECT_FALSE(tier.Fits("+2", 29 * kHour - 1));
  EXPECT_TRUE(tier.Fits("+2", 29 * kHour));
}

TEST(TierBudget, UnlimitedAndReconfigured) {
  TierBudget tier(std::nullopt);
  for (int i = 0; i < 1000; ++i) {
    std::string to = "+";  // appended, not "+" + to_string(i): GCC 12 -O3 misreads that as an overflow (-Wrestrict)
    to += std::to_string(i);
    EXPECT_TRUE(tier.Fits(to, 0));
  }
  tier.Record("+a", 0);
  tier.Reconfigure(1);
  EXPECT_FALSE(tier.Fits("+b", 1));
  tier.Reconfigure(250);
  EXPECT_TRUE(tier.Fits("+b", 1));
}

}  // namespace wagate::engine
