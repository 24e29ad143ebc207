#include "wagate/core/worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "wagate/core/test_wait.hpp"

namespace wagate::core {
namespace {

TEST(WorkerTest, StepsAtStartOnWakeAndWhenItsPeriodPassesOnTheInjectedClock) {
  FakeClock clock(1000);
  std::atomic<int> steps{0};
  Worker worker("test", clock, Millis(1000), [&] { ++steps; });
  worker.Start();
  ASSERT_TRUE(Eventually([&] { return steps == 1 && clock.AllWaiting(1); })) << "the first step runs at once";
  worker.Wake();
  ASSERT_TRUE(Eventually([&] { return steps == 2 && clock.AllWaiting(1); }));
  clock.Advance(Millis(999));
  ASSERT_TRUE(Eventually([&] { return clock.AllWaiting(1); }));
  EXPECT_EQ(steps, 2) << "no step before the period is up";
  clock.Advance(Millis(1));
  ASSERT_TRUE(Eventually([&] { return steps == 3; }));
  worker.Stop();
  worker.Wake();
  EXPECT_EQ(steps, 3) << "no step after Stop";
}

TEST(WorkerTest, AFailingStepIsLoggedAndTheLoopGoesOn) {
  FakeClock clock(1000);
  std::atomic<int> steps{0};
  Worker worker("test", clock, Millis(0), [&] {
    if (++steps == 1) throw std::runtime_error("boom");
  });
  worker.Start();
  ASSERT_TRUE(Eventually([&] { return steps == 1 && clock.AllWaiting(1); }));
  worker.Wake();
  ASSERT_TRUE(Eventually([&] { return steps == 2; }));
}

TEST(WorkerTest, StopLetsTheStepInProgressFinish) {
  FakeClock clock(1000);
  std::atomic<bool> inside{false}, release{false}, finished{false};
  Worker worker("test", clock, Millis(0), [&] {
    inside = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  worker.Start();
  ASSERT_TRUE(Eventually([&] { return inside.load(); }));
  std::thread stopper([&] { worker.Stop(); });
  release = true;
  stopper.join();
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace wagate::core
