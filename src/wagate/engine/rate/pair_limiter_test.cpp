#include "wagate/engine/rate/pair_limiter.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

TEST(PairLimiter, AllowsTheBurstThenOnePerInterval) {
  PairLimiter limiter({3, 6000});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(limiter.WaitMs("+1", 0), 0);
    limiter.Consume("+1", 0);
  }
  // 6 s plus the 2% arrival margin.
  EXPECT_EQ(limiter.WaitMs("+1", 0), 6120);
  EXPECT_EQ(limiter.WaitMs("+1", 6119), 1);
  EXPECT_EQ(limiter.WaitMs("+1", 6120), 0);
  limiter.Consume("+1", 6120);
  EXPECT_EQ(limiter.WaitMs("+1", 6120), 6120);
}

TEST(PairLimiter, CustomersAreIndependent) {
  PairLimiter limiter({1, 6000});
  limiter.Consume("+1", 0);
  EXPECT_GT(limiter.WaitMs("+1", 0), 0);
  EXPECT_EQ(limiter.WaitMs("+2", 0), 0);
}

TEST(PairLimiter, PenaltyBlocksEvenWithTokensBack) {
  PairLimiter limiter({45, 6000});
  limiter.Penalize("+1", 0, 16000);
  EXPECT_EQ(limiter.WaitMs("+1", 10000), 6000);
  EXPECT_EQ(limiter.WaitMs("+1", 16000), 0);
}

TEST(PairLimiter, ZeroBurstTurnsItOffAndReconfigureApplies) {
  PairLimiter limiter({0, 6000});
  for (int i = 0; i < 100; ++i) limiter.Consume("+1", 0);
  EXPECT_EQ(limiter.WaitMs("+1", 0), 0);
  limiter.Reconfigure({1, 1000});
  limiter.Consume("+1", 0);
  EXPECT_EQ(limiter.WaitMs("+1", 0), 1025);  // at least 25 ms of margin
}

TEST(PairLimiter, ForgetsCustomersWhoseBucketRefilled) {
  PairLimiter limiter({2, 100});
  for (int i = 0; i < 5000; ++i) {
    std::string to = "+";  // appended, not "+" + to_string(i): GCC 12 -O3 misreads that as an overflow (-Wrestrict)
    to += std::to_string(i);
    limiter.Consume(to, 0);
  }
  EXPECT_GE(limiter.Tracked(), 4096u);
  limiter.Consume("+late", 1'000'000);  // everyone else is full again by now
  for (int i = 0; i < 5000; ++i) limiter.Consume("+x" + std::to_string(i), 1'000'000);
  EXPECT_LT(limiter.Tracked(), 6000u);
}

}  // namespace wagate::engine
