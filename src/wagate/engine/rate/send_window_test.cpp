#include "wagate/engine/rate/send_window.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

TEST(SendWindow, NeverMoreThanTheLimitInAnyWindow) {
  SendWindow w(3, 1'000'000);
  EXPECT_EQ(w.Reserve(0).at_us, 0);
  EXPECT_EQ(w.Reserve(0).at_us, 0);
  EXPECT_EQ(w.Reserve(10).at_us, 10);
  EXPECT_EQ(w.Reserve(20).at_us, 1'000'000);  // the first departure must leave the window first
  EXPECT_EQ(w.Reserve(20).at_us, 1'000'000);
  EXPECT_EQ(w.Reserve(5'000'000).at_us, 5'000'000);
}

TEST(SendWindow, ABunchAfterAStallIsSpreadOut) {
  SendWindow w(2, 1'000'000);
  std::vector<int64_t> at;
  for (int i = 0; i < 6; ++i) at.push_back(w.Reserve(100).at_us);  // six taken at once after a stall
  EXPECT_EQ(at, (std::vector<int64_t>{100, 100, 1'000'100, 1'000'100, 2'000'100, 2'000'100}));
}

TEST(SendWindow, ResizeKeepsRecentDepartures) {
  SendWindow w(2, 1'000'000);
  w.Reserve(0);
  w.Reserve(0);
  w.Resize(3);
  EXPECT_EQ(w.Reserve(10).at_us, 10);         // a third slot exists now
  EXPECT_EQ(w.Reserve(10).at_us, 1'000'000);  // but the window still counts the two earlier ones
  w.Resize(1);
  EXPECT_EQ(w.Reserve(20).at_us, 2'000'000);  // only the latest departure is kept
}

TEST(SendWindow, CountsFromTheRealDeparture) {
  SendWindow w(2, 1'000'000);
  SendWindow::Slot first = w.Reserve(0);
  w.Reserve(0);
  w.Departed(first, 300'000);  // left with a batch 300 ms after its slot
  EXPECT_EQ(w.Reserve(0).at_us, 1'300'000);
  EXPECT_EQ(w.Reserve(0).at_us, 1'000'000);
}

TEST(SendWindow, DepartedNeverMovesAnEntryEarlierOrAcrossAResize) {
  SendWindow w(1, 1'000'000);
  SendWindow::Slot slot = w.Reserve(500);
  w.Departed(slot, 100);  // earlier than reserved: ignored
  EXPECT_EQ(w.Reserve(0).at_us, 1'000'500);
  SendWindow::Slot stale = w.Reserve(0);
  w.Resize(2);
  w.Departed(stale, 9'000'000);  // the ring was rebuilt: the old slot names nothing now
  EXPECT_LT(w.Reserve(0).at_us, 9'000'000);
}

}  // namespace wagate::engine
