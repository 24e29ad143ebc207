// How fast a campaign goes and when it will be done: the rate achieved so far, and an estimated
// completion time from what is left, the lane's throughput (less the pacing margin), the campaign's
// own pacing and the outlet's messaging tier (unique customers a day outside their service window).
#pragma once

#include <cstdint>
#include <optional>

#include "wagate/store/campaign_store.hpp"

namespace wagate::campaigns {

struct LaneCapacity {
  int64_t throughput_mps = 80;
  std::optional<int64_t> messaging_tier;  // nullopt: unlimited
  int64_t tier_used = 0;                  // slots used in the rolling 24 h
};

struct Estimate {
  double rate_mps = 0;            // recipients settled per second since the start
  std::optional<int64_t> eta_ms;  // nullopt: not running, or nothing to estimate from
};

Estimate EstimateProgress(const store::CampaignRecord& c, const LaneCapacity& lane, int64_t now_ms);

}  // namespace wagate::campaigns
