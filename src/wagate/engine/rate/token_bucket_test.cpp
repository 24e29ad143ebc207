#include "wagate/engine/rate/token_bucket.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(TokenBucket, AllowsABurstUpToCapacityThenRefuses) {
  core::FakeClock clock;
  TokenBucket bucket({10, 10}, clock);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.TryAcquire()) << i;
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucket, RefillsAtTheConfiguredRate) {
  core::FakeClock clock;
  TokenBucket bucket({80, 80}, clock);
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(bucket.TryAcquire());
  EXPECT_EQ(bucket.TimeUntilAvailable(), microseconds(12500));
  clock.Advance(milliseconds(12));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
  clock.Advance(milliseconds(1000));
  EXPECT_NEAR(bucket.Available(), 80, 1e-6);  // never above capacity
}

TEST(TokenBucket, ReconfigureKeepsEarnedTokensCappedAtNewCapacity) {
  core::FakeClock clock;
  TokenBucket bucket({80, 80}, clock);
  bucket.Reconfigure({20, 20});
  EXPECT_NEAR(bucket.Available(), 20, 1e-6);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  bucket.Reconfigure({1000, 1000});
  clock.Advance(milliseconds(10));
  EXPECT_NEAR(bucket.Available(), 10, 1e-6);
}

}  // namespace wagate::engine
