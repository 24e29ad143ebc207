#include "wagate/campaigns/estimate.hpp"

#include <gtest/gtest.h>

namespace wagate::campaigns {
namespace {

store::CampaignRecord Running(int64_t pending, int64_t settled, int64_t started_at) {
  store::CampaignRecord c;
  c.status = store::CampaignStatus::kRunning;
  c.started_at = started_at;
  c.counts.pending = pending;
  c.counts.fed = settled;
  c.counts.settled = settled;
  return c;
}

TEST(Estimate, RateSoFarAndTimeLeftAtTheLanesPace) {
  store::CampaignRecord c = Running(9800, 200, 0);
  Estimate e = EstimateProgress(c, LaneCapacity{100, std::nullopt, 0}, 2000);
  EXPECT_DOUBLE_EQ(e.rate_mps, 100.0);
  ASSERT_TRUE(e.eta_ms);
  EXPECT_NEAR(static_cast<double>(*e.eta_ms), 2000 + 100000, 2);  // 9,800 at 98 per second
}

TEST(Estimate, TheCampaignsCapAndDelaySlowIt) {
  store::CampaignRecord c = Running(100, 0, 0);
  c.pacing.max_mps = 10;
  EXPECT_NEAR(static_cast<double>(*EstimateProgress(c, LaneCapacity{1000, std::nullopt, 0}, 0).eta_ms), 10000, 2);
  c.pacing.max_mps.reset();
  c.pacing.delay_ms = 1000;
  c.pacing.jitter_ms = 1000;  // 1.5 s a message on average
  EXPECT_NEAR(static_cast<double>(*EstimateProgress(c, LaneCapacity{1000, std::nullopt, 0}, 0).eta_ms), 150000, 2);
}

TEST(Estimate, BeyondTheTiersFreeSlotsEachTierWaitsADay) {
  store::CampaignRecord c = Running(2500, 0, 0);
  // 250 free of a 1,000 tier: 2,250 more need three more days.
  Estimate e = EstimateProgress(c, LaneCapacity{1000, 1000, 750}, 0);
  int64_t seconds = (*e.eta_ms) / 1000;
  EXPECT_GE(seconds, 3 * 86400);
  EXPECT_LT(seconds, 3 * 86400 + 10);
}

TEST(Estimate, NothingToEstimateUnlessItMoves) {
  store::CampaignRecord c = Running(10, 0, 0);
  c.status = store::CampaignStatus::kPaused;
  EXPECT_FALSE(EstimateProgress(c, LaneCapacity{}, 1000).eta_ms);
  c.status = store::CampaignStatus::kCompleted;
  c.completed_at = 4000;
  c.counts = {};
  c.counts.fed = c.counts.settled = 400;
  EXPECT_DOUBLE_EQ(EstimateProgress(c, LaneCapacity{}, 9000).rate_mps, 100.0);
}

}  // namespace
}  // namespace wagate::campaigns
