#include "wagate/campaigns/estimate.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::campaigns {

Estimate EstimateProgress(const store::CampaignRecord& c, const LaneCapacity& lane, int64_t now_ms) {
  Estimate e;
  using store::CampaignStatus;
  if (c.started_at) {
    int64_t until = c.completed_at.value_or(now_ms);
    double seconds = static_cast<double>(std::max<int64_t>(until - *c.started_at, 1)) / 1000.0;
    e.rate_mps = static_cast<double>(c.counts.settled) / seconds;
  }
  bool moving = c.status == CampaignStatus::kRunning || c.status == CampaignStatus::kScheduled;
  int64_t left = c.counts.queued();
  if (!moving) return e;
  if (left == 0) {
    e.eta_ms = now_ms;
    return e;
  }
  // The lane runs at about 98% of its limit (the send window's margin); the campaign may cap itself.
  double rate = static_cast<double>(lane.throughput_mps) * 0.98;
  if (c.pacing.max_mps) rate = std::min(rate, static_cast<double>(*c.pacing.max_mps));
  if (c.pacing.delay_ms) {
    double gap_ms = static_cast<double>(*c.pacing.delay_ms) + static_cast<double>(c.pacing.jitter_ms.value_or(0)) / 2;
    rate = std::min(rate, 1000.0 / std::max(gap_ms, 1.0));
  }
  double seconds = static_cast<double>(left) / std::max(rate, 0.001);
  // Beyond the tier's free slots, each further tier's worth of customers waits a day (a conservative
  // bound: customers inside their service window cost no slot).
  if (lane.messaging_tier && *lane.messaging_tier > 0) {
    int64_t free = std::max<int64_t>(0, *lane.messaging_tier - lane.tier_used);
    if (left > free) {
      int64_t days = (left - free + *lane.messaging_tier - 1) / *lane.messaging_tier;
      seconds += static_cast<double>(days) * 86400.0;
    }
  }
  int64_t start = c.status == CampaignStatus::kScheduled && c.start_at ? std::max(*c.start_at, now_ms) : now_ms;
  e.eta_ms = start + static_cast<int64_t>(std::ceil(seconds * 1000.0));
  return e;
}

}  // namespace wagate::campaigns
