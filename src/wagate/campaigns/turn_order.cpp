#include "wagate/campaigns/turn_order.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace wagate::campaigns {

std::vector<const store::CampaignRecord*> TurnOrder(const std::vector<const store::CampaignRecord*>& campaigns,
                                                    uint64_t turn) {
  if (campaigns.empty()) return {};
  std::map<std::string, std::vector<const store::CampaignRecord*>> by_tenant;
  for (const auto* c : campaigns) by_tenant[c->tenant_id].push_back(c);
  // A tenant's campaigns move on by one each time every tenant has been first once.
  uint64_t tenant_rounds = turn / by_tenant.size();
  std::vector<std::vector<const store::CampaignRecord*>> tenants;
  for (auto& [_, list] : by_tenant) {
    std::rotate(list.begin(), list.begin() + static_cast<long>(tenant_rounds % list.size()), list.end());
    tenants.push_back(std::move(list));
  }
  std::rotate(tenants.begin(), tenants.begin() + static_cast<long>(turn % tenants.size()), tenants.end());
  std::vector<const store::CampaignRecord*> order;
  for (size_t round = 0; order.size() < campaigns.size(); ++round) {
    for (const auto& list : tenants) {
      if (round < list.size()) order.push_back(list[round]);
    }
  }
  return order;
}

}  // namespace wagate::campaigns
