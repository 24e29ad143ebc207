#include "wagate/engine/lane.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {

TEST(Lane, SendsReadyMessagesInOrderWithinItsRate) {
  core::FakeClock clock(0);
  Lane lane("o", 10, clock);  // burst of 1, then one per 100 ms
  lane.Add("a", 0, 0);
  lane.Add("b", 0, 0);
  EXPECT_EQ(lane.TakeIfAllowed(), "a");
  EXPECT_EQ(lane.TakeIfAllowed(), std::nullopt);
  EXPECT_EQ(lane.NextTimeMs(0), 100);
  clock.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(lane.TakeIfAllowed(), "b");
  EXPECT_EQ(lane.NextTimeMs(100), std::nullopt);
}

TEST(Lane, LaterMessagesWaitUntilDue) {
  core::FakeClock clock(0);
  Lane lane("o", 80, clock);
  lane.Add("retry", 1000, 0);
  EXPECT_FALSE(lane.HasReady());
  EXPECT_EQ(lane.NextTimeMs(0), 1000);
  lane.Promote(999);
  EXPECT_FALSE(lane.HasReady());
  lane.Promote(1000);
  EXPECT_EQ(lane.TakeIfAllowed(), "retry");
}

TEST(Lane, ThroughputChangesAtRuntime) {
  core::FakeClock clock(0);
  Lane lane("o", 1000, clock);
  for (int i = 0; i < 200; ++i) lane.Add(std::to_string(i), 0, 0);
  int sent = 0;
  while (lane.TakeIfAllowed()) ++sent;
  EXPECT_EQ(sent, 100);  // a tenth of a second of burst
  lane.SetThroughput(20);
  clock.Advance(std::chrono::seconds(1));
  sent = 0;
  while (lane.TakeIfAllowed()) ++sent;
  EXPECT_EQ(sent, 2);  // capacity shrank to 2
}

}  // namespace wagate::engine
