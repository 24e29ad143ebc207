#include "wagate/engine/rate/send_window.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

TEST(SendWindow, NeverMoreThanTheLimitInAnyWindow) {
  SendWindow w(3, 1'000'000);
  EXPECT_EQ(w.Reserve(0), 0);
  EXPECT_EQ(w.Reserve(0), 0);
  EXPECT_EQ(w.Reserve(10), 10);
  EXPECT_EQ(w.Reserve(20), 1'000'000);  // the first departure must leave the window first
  EXPECT_EQ(w.Reserve(20), 1'000'000);
  EXPECT_EQ(w.Reserve(5'000'000), 5'000'000);
}

TEST(SendWindow, ABunchAfterAStallIsSpreadOut) {
  SendWindow w(2, 1'000'000);
  std::vector<int64_t> at;
  for (int i = 0; i < 6; ++i) at.push_back(w.Reserve(100));  // six taken at once after a stall
  EXPECT_EQ(at, (std::vector<int64_t>{100, 100, 1'000'100, 1'000'100, 2'000'100, 2'000'100}));
}

TEST(SendWindow, ResizeKeepsRecentDepartures) {
  SendWindow w(2, 1'000'000);
  w.Reserve(0);
  w.Reserve(0);
  w.Resize(3);
  EXPECT_EQ(w.Reserve(10), 10);            // a third slot exists now
  EXPECT_EQ(w.Reserve(10), 1'000'000);     // but the window still counts the two earlier ones
  w.Resize(1);
  EXPECT_EQ(w.Reserve(20), 2'000'000);     // only the latest departure is kept
}

}  // namespace wagate::engine
