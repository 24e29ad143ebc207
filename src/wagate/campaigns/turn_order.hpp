// The order in which campaigns sharing one lane get their slices of its budget: tenants first, then
// each tenant's campaigns, rotated every round so that no tenant or campaign is always first.
#pragma once

#include <cstdint>
#include <vector>

#include "wagate/store/campaign_store.hpp"

namespace wagate::campaigns {

// The first campaign of each tenant, then the second of each, …; `turn` rotates both the tenants and
// each tenant's campaigns.
std::vector<const store::CampaignRecord*> TurnOrder(const std::vector<const store::CampaignRecord*>& campaigns,
                                                    uint64_t turn);

}  // namespace wagate::campaigns
