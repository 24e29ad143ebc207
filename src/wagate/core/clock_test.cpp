#include "wagate/core/clock.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "wagate/core/test_wait.hpp"

namespace wagate::core {
namespace {

TEST(FakeClock, AdvanceWakesAWaitWhoseDeadlinePassed) {
  FakeClock clock(1000);
  std::mutex mu;
  std::condition_variable cv;
  bool result = true;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    result = clock.WaitUntil(cv, lock, FromUnixMs(1500), [] { return false; });
  });
  ASSERT_TRUE(Eventually([&] { return clock.AllWaiting(1); }));
  EXPECT_EQ(clock.NextDeadline(), FromUnixMs(1500));
  clock.Advance(Millis(499));
  ASSERT_TRUE(Eventually([&] { return clock.AllWaiting(1); })) << "still before its deadline";
  clock.Advance(Millis(1));
  waiter.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(clock.NextDeadline(), std::nullopt);
}

TEST(FakeClock, APredicateEndsTheWaitBeforeTheDeadline) {
  FakeClock clock(0);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    EXPECT_TRUE(clock.WaitUntil(cv, lock, TimePoint::max(), [&] { return ready; }));
  });
  ASSERT_TRUE(Eventually([&] { return clock.AllWaiting(1); }));
  EXPECT_EQ(clock.NextDeadline(), std::nullopt) << "no deadline";
  {
    std::lock_guard lock(mu);
    ready = true;
  }
  EXPECT_FALSE(clock.AllWaiting(1)) << "its predicate holds: it has work";
  cv.notify_all();
  waiter.join();
}

TEST(FakeClock, SleepUntilReturnsWhenTimeReachesIt) {
  FakeClock clock(0);
  std::thread sleeper([&] { clock.SleepUntil(FromUnixMs(20)); });
  ASSERT_TRUE(Eventually([&] { return clock.AllWaiting(1); }));
  clock.Advance(Millis(25));
  sleeper.join();
  clock.SleepUntil(FromUnixMs(10));  // already past: returns at once
}

TEST(FakeClock, SetMsStepsWallTimeButNotMonotonicTime) {
  FakeClock clock(5000);
  SteadyTimePoint before = clock.SteadyNow();
  clock.SetMs(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  EXPECT_EQ(clock.SteadyNow(), before);
  clock.Advance(Millis(10));
  EXPECT_EQ(clock.SteadyNow() - before, Millis(10));
}

TEST(SystemClock, WaitsEndAtThePredicateOrAPastDeadline) {
  SystemClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  EXPECT_TRUE(clock.WaitUntil(cv, lock, TimePoint::max(), [] { return true; }));
  EXPECT_FALSE(clock.WaitUntil(cv, lock, clock.Now() - Millis(1), [] { return false; }));
  clock.SleepUntil(clock.Now() - Millis(1));
}

}  // namespace
}  // namespace wagate::core
