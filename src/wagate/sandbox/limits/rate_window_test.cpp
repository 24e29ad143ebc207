#include "wagate/sandbox/limits/rate_window.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(RateWindowTest, AllowsLimitPerSecondThenRefuses) {
  core::FakeClock clock;
  RateWindow window(clock, 3);
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_FALSE(window.TryAcquire("1"));
}

TEST(RateWindowTest, WindowSlidesRatherThanResettingOnSecondBoundaries) {
  core::FakeClock clock(1'000'900);
  RateWindow window(clock, 2);
  EXPECT_TRUE(window.TryAcquire("1"));  // t = 900
  clock.Advance(core::Millis(200));     // t = 1100: a fixed window would have reset here
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_FALSE(window.TryAcquire("1"));
  clock.Advance(core::Millis(800));  // t = 1900: the first request left the window
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_FALSE(window.TryAcquire("1"));
}

TEST(RateWindowTest, RefusedRequestsDoNotCount) {
  core::FakeClock clock;
  RateWindow window(clock, 1);
  EXPECT_TRUE(window.TryAcquire("1"));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(window.TryAcquire("1"));
  clock.Advance(core::Millis(1000));
  EXPECT_TRUE(window.TryAcquire("1"));
}

TEST(RateWindowTest, ZeroTurnsTheLimitOff) {
  core::FakeClock clock;
  RateWindow window(clock, 0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(window.TryAcquire("1"));
}

TEST(RateWindowTest, EachPhoneNumberHasItsOwnWindow) {
  core::FakeClock clock;
  RateWindow window(clock, 1);
  EXPECT_TRUE(window.TryAcquire("111"));
  EXPECT_FALSE(window.TryAcquire("111"));
  EXPECT_TRUE(window.TryAcquire("222"));
}

TEST(RateWindowTest, SetLimitAppliesToTheNextRequest) {
  core::FakeClock clock;
  RateWindow window(clock, 1);
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_FALSE(window.TryAcquire("1"));
  window.SetLimit(2);
  EXPECT_TRUE(window.TryAcquire("1"));
  window.SetLimit(0);
  EXPECT_TRUE(window.TryAcquire("1"));
  EXPECT_EQ(window.limit(), 0);
}

}  // namespace
}  // namespace wagate::sandbox
