#include "wagate/engine/retry_policy.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

TEST(RetryPolicy, DoublesFromTheBaseDelayWithoutJitter) {
  RetryPolicy p{4, 1000, 0.0};
  EXPECT_EQ(p.NextDelayMs(1, 0.7), 1000);
  EXPECT_EQ(p.NextDelayMs(2, 0.7), 2000);
  EXPECT_EQ(p.NextDelayMs(3, 0.7), 4000);
  EXPECT_EQ(p.NextDelayMs(4, 0.7), std::nullopt);  // four attempts made: give up
}

TEST(RetryPolicy, JitterStaysWithinBounds) {
  RetryPolicy p{4, 1000, 0.2};
  EXPECT_EQ(p.NextDelayMs(1, 0.0), 800);
  EXPECT_EQ(p.NextDelayMs(1, 0.5), 1000);
  EXPECT_LE(*p.NextDelayMs(2, 0.999999), 2400);
  EXPECT_GE(*p.NextDelayMs(2, 0.0), 1600);
}

TEST(RetryPolicy, SingleAttemptBudgetNeverRetries) {
  RetryPolicy p{1, 1000, 0.2};
  EXPECT_EQ(p.NextDelayMs(1, 0.5), std::nullopt);
}

}  // namespace wagate::engine
