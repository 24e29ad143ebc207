#include "wagate/engine/rate/pacing_margin.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {
namespace {

struct Stalls {
  std::vector<std::pair<int64_t, int64_t>> episodes;  // at_ms, lag_ms
  int64_t Since(int64_t since_ms) const {
    int64_t peak = 0;
    for (auto [at, lag] : episodes) {
      if (at >= since_ms) peak = std::max(peak, lag);
    }
    return peak;
  }
};

TEST(PacingMarginTest, StaysAtTheFloorOnAQuietMachine) {
  core::FakeClock clock;
  Stalls stalls;
  PacingMargin margin(
      {20, 250, 30'000}, [&](int64_t s) { return stalls.Since(s); }, clock);
  EXPECT_EQ(margin.CurrentMs(), 20);
}

TEST(PacingMarginTest, WidensByTheLongestRecentStallThenNarrowsAgain) {
  core::FakeClock clock;
  Stalls stalls;
  PacingMargin margin(
      {20, 250, 30'000}, [&](int64_t s) { return stalls.Since(s); }, clock);
  stalls.episodes.push_back({clock.NowMs(), 45});
  clock.Advance(core::Millis(1000));
  stalls.episodes.push_back({clock.NowMs(), 12});
  EXPECT_EQ(margin.CurrentMs(), 65);    // floor + the longest stall, not the latest
  clock.Advance(core::Millis(29'500));  // the 45 ms stall is older than the memory now
  EXPECT_EQ(margin.CurrentMs(), 32);
  clock.Advance(core::Millis(1'000));
  EXPECT_EQ(margin.CurrentMs(), 20);
}

TEST(PacingMarginTest, CappedButNeverBelowTheFloor) {
  core::FakeClock clock;
  Stalls stalls{{{clock.NowMs(), 5'000}}};
  PacingMargin capped(
      {20, 250, 30'000}, [&](int64_t s) { return stalls.Since(s); }, clock);
  EXPECT_EQ(capped.CurrentMs(), 250);
  PacingMargin odd(
      {100, 50, 30'000}, [&](int64_t s) { return stalls.Since(s); }, clock);
  EXPECT_EQ(odd.CurrentMs(), 100);
  PacingMargin none({20, 250, 30'000}, nullptr, clock);
  EXPECT_EQ(none.CurrentMs(), 20);
}

}  // namespace
}  // namespace wagate::engine
