#include "wagate/campaigns/turn_order.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace wagate::campaigns {
namespace {

store::CampaignRecord Campaign(const std::string& tenant, const std::string& id) {
  store::CampaignRecord c;
  c.tenant_id = tenant;
  c.id = id;
  return c;
}

std::string Ids(const std::vector<const store::CampaignRecord*>& order) {
  std::string out;
  for (const auto* c : order) out += c->id + " ";
  return out;
}

TEST(TurnOrder, TenantsTakeTurnsBeforeTheirSecondCampaigns) {
  // Tenant a has three campaigns, b one: b is not drowned by a's number of campaigns.
  auto a1 = Campaign("a", "a1"), a2 = Campaign("a", "a2"), a3 = Campaign("a", "a3"), b1 = Campaign("b", "b1");
  std::vector<const store::CampaignRecord*> all = {&a1, &a2, &a3, &b1};
  EXPECT_EQ(Ids(TurnOrder(all, 0)), "a1 b1 a2 a3 ");
  EXPECT_EQ(Ids(TurnOrder(all, 1)), "b1 a1 a2 a3 ");
  EXPECT_EQ(Ids(TurnOrder(all, 2)), "a2 b1 a3 a1 ");
}

TEST(TurnOrder, EveryCampaignIsFirstAsOftenOverRounds) {
  auto a1 = Campaign("a", "a1"), a2 = Campaign("a", "a2"), b1 = Campaign("b", "b1"), b2 = Campaign("b", "b2");
  std::vector<const store::CampaignRecord*> all = {&a1, &a2, &b1, &b2};
  std::map<std::string, int> first;
  for (uint64_t turn = 0; turn < 400; ++turn) {
    auto order = TurnOrder(all, turn);
    ASSERT_EQ(order.size(), 4u);
    ++first[order[0]->id];
  }
  for (const auto& [id, n] : first) EXPECT_EQ(n, 100) << id;
}

TEST(TurnOrder, NoCampaignsNoOrder) { EXPECT_TRUE(TurnOrder({}, 3).empty()); }

}  // namespace
}  // namespace wagate::campaigns
