#include "wagate/engine/lane.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {
namespace {

using std::chrono::milliseconds;

struct LaneFixture : testing::Test {
  core::FakeClock clock{0};
  conversation::ContactWindows windows;
  int64_t now() const { return clock.NowMs(); }
  QueuedMessage Msg(std::string id, std::string to, Priority p = Priority::kTransactional) {
    return QueuedMessage{std::move(id), std::move(to), p};
  }
  std::optional<std::string> TakeId(Lane& lane) {
    auto d = lane.Take(now(), nullptr);
    if (!d) return std::nullopt;
    lane.Done();
    return d->message.id;
  }
};

TEST_F(LaneFixture, PacesAtTheThroughputLimit) {
  LaneSettings s;
  s.throughput_mps = 100;  // capacity 1, refill 100.5/s
  s.pair.burst = 0;
  Lane lane("o", s, clock, windows);
  for (int i = 0; i < 1000; ++i) lane.Add(Msg(std::to_string(i), "+1"), 0, 0);
  int sent = 0;
  for (int step = 0; step < 10000; ++step) {  // one second in 100 µs steps, as the dispatcher wakes
    while (TakeId(lane)) ++sent;
    clock.Advance(std::chrono::microseconds(100));
  }
  EXPECT_GE(sent, 98);
  EXPECT_LE(sent, 100);  // never more than the limit in one second
}

TEST_F(LaneFixture, TransactionalGoesBeforeBulk) {
  Lane lane("o", LaneSettings{}, clock, windows);
  for (int i = 0; i < 100; ++i)
    lane.Add(Msg("bulk" + std::to_string(i), "+1" + std::to_string(i), Priority::kBulk), 0, 0);
  lane.Add(Msg("otp", "+99"), 0, 0);
  EXPECT_EQ(TakeId(lane), "otp");
}

TEST_F(LaneFixture, PairRateHoldsOneCustomerWithoutBlockingOthers) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.pair = {2, 6000};
  Lane lane("o", s, clock, windows);
  for (int i = 0; i < 4; ++i) {
    std::string id = "a";  // appended, not "a" + to_string(i): GCC 12 -O3 misreads that as an overflow (-Wrestrict)
    id += std::to_string(i);
    lane.Add(Msg(id, "+1"), 0, 0);
  }
  lane.Add(Msg("b0", "+2"), 0, 0);
  std::vector<std::string> got;
  for (int ms = 0; ms < 100; ++ms) {
    while (auto id = TakeId(lane)) got.push_back(*id);
    clock.Advance(milliseconds(1));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"a0", "a1", "b0"}));  // a2, a3 wait; b0 does not
  EXPECT_EQ(lane.Snap(now()).counters.deferred_pair_rate, 2u);
  clock.Advance(milliseconds(6200));  // the interval plus its arrival margin
  EXPECT_EQ(TakeId(lane), "a2");
  EXPECT_EQ(TakeId(lane), std::nullopt);
  clock.Advance(milliseconds(6200));
  EXPECT_EQ(TakeId(lane), "a3");
}

TEST_F(LaneFixture, TierDefersNewCustomersOutsideTheWindowOnly) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.messaging_tier = 1;
  Lane lane("o", s, clock, windows);
  windows.RecordInbound("o", "+3", 0);  // +3 wrote to us: inside the window, costs no tier slot
  lane.Add(Msg("m1", "+1"), 0, 0);
  lane.Add(Msg("m2", "+2"), 0, 0);
  lane.Add(Msg("m3", "+3"), 0, 0);
  std::vector<std::string> deferred;
  auto d1 = lane.Take(now(), &deferred);
  ASSERT_TRUE(d1);
  EXPECT_TRUE(d1->business_initiated);
  clock.Advance(milliseconds(10));
  auto d3 = lane.Take(now(), &deferred);
  ASSERT_TRUE(d3);
  EXPECT_EQ(d3->message.id, "m3");
  EXPECT_FALSE(d3->business_initiated);
  EXPECT_EQ(deferred, std::vector<std::string>{"m2"});
  // m2 waits for a slot (or a minute, to look again whether its customer wrote in), not failed.
  EXPECT_EQ(lane.NextTimeUs(now() * 1000), 60'010 * 1000);
  clock.SetMs(TierBudget::kWindowMs);
  auto d2 = lane.Take(now(), &deferred);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->message.id, "m2");
}

TEST_F(LaneFixture, RaisingTheTierReleasesHeldMessagesAtOnce) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.messaging_tier = 1;
  Lane lane("o", s, clock, windows);
  lane.Add(Msg("m1", "+1"), 0, 0);
  lane.Add(Msg("m2", "+2"), 0, 0);
  EXPECT_EQ(TakeId(lane), "m1");
  EXPECT_EQ(TakeId(lane), std::nullopt);  // m2 held
  s.messaging_tier = 10;
  lane.Reconfigure(s);
  EXPECT_EQ(lane.NextTimeUs(now() * 1000), now() * 1000);
  EXPECT_EQ(TakeId(lane), "m2");
}

TEST_F(LaneFixture, AHeldCustomerWhoWritesInIsSentWithoutASlot) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.messaging_tier = 1;
  Lane lane("o", s, clock, windows);
  lane.Add(Msg("m1", "+1"), 0, 0);
  lane.Add(Msg("m2", "+2"), 0, 0);
  EXPECT_EQ(TakeId(lane), "m1");
  EXPECT_EQ(TakeId(lane), std::nullopt);
  windows.RecordInbound("o", "+2", now());
  clock.Advance(milliseconds(60'000));  // the held queue is looked at again every minute
  auto d = lane.Take(now(), nullptr);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message.id, "m2");
  EXPECT_FALSE(d->business_initiated);
}

TEST_F(LaneFixture, GraphThrottlingPausesTheWholeLane) {
  Lane lane("o", LaneSettings{}, clock, windows);
  lane.Add(Msg("m1", "+1"), 0, 0);
  lane.Throttle(1000);
  EXPECT_EQ(TakeId(lane), std::nullopt);
  EXPECT_EQ(lane.NextTimeUs(now() * 1000), 1'000'000);
  clock.SetMs(1000);
  EXPECT_EQ(TakeId(lane), "m1");
}

TEST_F(LaneFixture, InFlightIsBounded) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.max_in_flight = 2;
  Lane lane("o", s, clock, windows);
  for (int i = 0; i < 5; ++i) lane.Add(Msg(std::to_string(i), "+1" + std::to_string(i)), 0, 0);
  EXPECT_TRUE(lane.Take(now(), nullptr));
  EXPECT_TRUE(lane.Take(now(), nullptr));
  EXPECT_FALSE(lane.Take(now(), nullptr));
  EXPECT_EQ(lane.NextTimeUs(now() * 1000), std::nullopt);
  lane.Done();
  EXPECT_TRUE(lane.Take(now(), nullptr));
}

TEST_F(LaneFixture, RetriesWaitUntilDue) {
  Lane lane("o", LaneSettings{}, clock, windows);
  lane.Add(Msg("retry", "+1"), 1000, 0);
  EXPECT_EQ(TakeId(lane), std::nullopt);
  EXPECT_EQ(lane.NextTimeUs(0), 1'000'000);
  clock.SetMs(1000);
  EXPECT_EQ(TakeId(lane), "retry");
}

TEST_F(LaneFixture, ReconfiguresThroughputAtRuntime) {
  LaneSettings s;
  s.throughput_mps = 1000;
  s.pair.burst = 0;
  Lane lane("o", s, clock, windows);
  for (int i = 0; i < 5000; ++i) lane.Add(Msg(std::to_string(i), "+1"), 0, 0);
  s.throughput_mps = 20;
  lane.Reconfigure(s);
  int sent = 0;
  for (int step = 0; step < 10000; ++step) {
    while (TakeId(lane)) ++sent;
    clock.Advance(std::chrono::microseconds(100));
  }
  EXPECT_LE(sent, 21);
  EXPECT_GE(sent, 19);
}

}  // namespace
}  // namespace wagate::engine
