#include "wagate/engine/lane_metrics.hpp"

#include <gtest/gtest.h>

namespace wagate::engine {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

TEST(LaneMetrics, EveryFamilyHasOneSeriesPerLane) {
  LaneView a{"o1", {}, {}};
  a.snapshot.ready_transactional = 2;
  a.snapshot.ready_bulk = 1;
  a.snapshot.waiting = 4;
  a.snapshot.in_flight = 3;
  a.snapshot.counters.dispatched = 7;
  a.snapshot.counters.deferred_pair_rate = 5;
  a.snapshot.counters.deferred_messaging_tier = 6;
  a.snapshot.counters.throttled = 8;
  a.snapshot.counters.pair_throttled = 9;
  LaneView b{"o2", {}, {}};
  std::string out;
  RenderLaneMetrics({a, b}, &out);
  EXPECT_TRUE(
      Has(out, "# HELP wagate_lane_queue_depth Messages waiting in a lane\n# TYPE wagate_lane_queue_depth gauge\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_queue_depth{outlet=\"o1\"} 7\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_in_flight{outlet=\"o1\"} 3\n"));
  EXPECT_TRUE(Has(out, "# TYPE wagate_lane_dispatched_total counter\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_dispatched_total{outlet=\"o1\"} 7\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_deferrals_total{outlet=\"o1\",reason=\"pair_rate\"} 5\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_deferrals_total{outlet=\"o1\",reason=\"messaging_tier\"} 6\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_throttled_total{outlet=\"o1\",code=\"130429\"} 8\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_throttled_total{outlet=\"o1\",code=\"131056\"} 9\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_queue_depth{outlet=\"o2\"} 0\n"));
  EXPECT_TRUE(Has(out, "wagate_lane_throttled_total{outlet=\"o2\",code=\"131056\"} 0\n"));
}

TEST(LaneMetrics, NoLanesStillDeclaresTheFamilies) {
  std::string out;
  RenderLaneMetrics({}, &out);
  EXPECT_TRUE(Has(out, "# TYPE wagate_lane_in_flight gauge\n"));
  EXPECT_FALSE(Has(out, "{outlet="));
}

}  // namespace
}  // namespace wagate::engine
