#include "wagate/engine/outcome_waiters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "wagate/core/test_wait.hpp"

namespace wagate::engine {
namespace {

using core::Eventually;

TEST(OutcomeWaiters, EveryWaiterOfAMessageHearsTheOutcomeOnce) {
  core::FakeClock clock(0);
  OutcomeWaiters waiters(clock);
  std::atomic<int> heard{0};
  for (int i = 0; i < 3; ++i) {
    waiters.Register("m1", 60'000, [&](const std::string& id, std::optional<Outcome> o) {
      EXPECT_EQ(id, "m1");
      ASSERT_TRUE(o.has_value());
      EXPECT_EQ(o->wamid, "wamid.A");
      ++heard;
    });
  }
  waiters.Complete("m1", Outcome{true, "wamid.A", 1, 1, {}});
  waiters.Complete("m1", Outcome{true, "wamid.B", 2, 1, {}});  // nobody left to hear it
  EXPECT_EQ(heard, 3);
  EXPECT_EQ(waiters.Size(), 0u);
}

TEST(OutcomeWaiters, DeadlinePassesWithoutAnOutcome) {
  core::FakeClock clock(0);
  OutcomeWaiters waiters(clock);
  std::atomic<int> timed_out{0};
  waiters.Register("m1", 1000, [&](const std::string&, const std::optional<Outcome>& o) {
    if (!o) ++timed_out;
  });
  waiters.Register("m2", 5000, [&](const std::string&, const std::optional<Outcome>& o) {
    if (!o) ++timed_out;
  });
  clock.Advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(Eventually([&] { return timed_out == 1; }));
  EXPECT_EQ(waiters.Size(), 1u);  // m2 still waits
  waiters.Complete("m2", Outcome{});
  EXPECT_EQ(timed_out, 1);
}

}  // namespace
}  // namespace wagate::engine
