// Conformance suite of store::TenantStore: tenants, outlets and API keys. Instantiated per backend.
#pragma once

#include <thread>

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class TenantStoreConformance : public StoreTest<Backend> {};
TYPED_TEST_SUITE_P(TenantStoreConformance);

TYPED_TEST_P(TenantStoreConformance, TenantsRoundTripAndDeleteCascades) {
  TenantStore& s = *this->stores_.tenants;
  ASSERT_TRUE(s.CreateTenant(TenantRecord{"t2", "Second", 100, 5}).ok());
  auto t2 = s.GetTenant("t2");
  ASSERT_TRUE(t2.has_value());
  EXPECT_EQ(t2->name, "Second");
  EXPECT_EQ(t2->monthly_quota, 100);
  EXPECT_EQ(s.ListTenants().size(), 2u);
  ASSERT_TRUE(s.CreateOutlet(this->Outlet("o3", "333", "W3", "t2")).ok());
  ASSERT_TRUE(s.CreateApiKey(ApiKeyRecord{"k1", "t2", "ci", "wgk_abc", "hash", 5}).ok());
  ASSERT_TRUE(s.DeleteTenant("t2").ok());
  EXPECT_FALSE(s.GetTenant("t2").has_value());
  EXPECT_FALSE(s.GetOutlet("o3").has_value());
  EXPECT_TRUE(s.ListApiKeys(std::string("t2")).empty());
  EXPECT_EQ(s.DeleteTenant("t2").error().kind, core::ErrorKind::kNotFound);
}

TYPED_TEST_P(TenantStoreConformance, APhoneNumberBelongsToOneOutletEvenUnderConcurrentCreation) {
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      core::Status s = this->stores_.tenants->CreateOutlet(this->Outlet("x" + std::to_string(i), "999", "WX"));
      if (s.ok()) {
        ++created;
      } else {
        EXPECT_EQ(s.error().kind, core::ErrorKind::kConflict);
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 5);
  EXPECT_EQ(this->stores_.tenants->CreateOutlet(this->Outlet("y", "998", "WX", "nobody")).error().kind,
            core::ErrorKind::kNotFound);
}

TYPED_TEST_P(TenantStoreConformance, OutletUpdatesOnlyWithinItsTenant) {
  TenantStore& s = *this->stores_.tenants;
  auto updated = s.UpdateOutlet("t", "o", [](OutletRecord& o) {
    o.throughput_mps = 20;
    o.messaging_tier = 1000;
    o.window_policy = "reject";
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->throughput_mps, 20);
  auto stored = s.GetOutlet("o");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->throughput_mps, 20);
  EXPECT_EQ(stored->messaging_tier, 1000);
  EXPECT_EQ(stored->window_policy, "reject");
  EXPECT_EQ(stored->phone_number_id, "111");
  ASSERT_TRUE(s.CreateTenant(TenantRecord{"t2", "Other", std::nullopt, 5}).ok());
  EXPECT_EQ(s.UpdateOutlet("t2", "o", [](OutletRecord&) {}).error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(s.DeleteOutlet("t2", "o").error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(s.ListOutlets(std::string("t")).size(), 2u);
  EXPECT_EQ(s.ListOutlets(std::nullopt).size(), 2u);
  EXPECT_TRUE(s.DeleteOutlet("t", "o2").ok());
  EXPECT_EQ(s.ListOutlets(std::string("t")).size(), 1u);
}

TYPED_TEST_P(TenantStoreConformance, ApiKeysBelongToTheirTenant) {
  TenantStore& s = *this->stores_.tenants;
  ASSERT_TRUE(s.CreateApiKey(ApiKeyRecord{"k1", "t", "ci", "wgk_abc", "hash1", 5}).ok());
  EXPECT_EQ(s.CreateApiKey(ApiKeyRecord{"k2", "nobody", "ci", "wgk_def", "hash2", 5}).error().kind,
            core::ErrorKind::kNotFound);
  auto keys = s.ListApiKeys(std::string("t"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key_hash, "hash1");
  ASSERT_TRUE(s.CreateTenant(TenantRecord{"t2", "Other", std::nullopt, 5}).ok());
  EXPECT_EQ(s.DeleteApiKey("t2", "k1").error().kind, core::ErrorKind::kNotFound);
  EXPECT_TRUE(s.DeleteApiKey("t", "k1").ok());
  EXPECT_TRUE(s.ListApiKeys(std::nullopt).empty());
}

REGISTER_TYPED_TEST_SUITE_P(TenantStoreConformance, TenantsRoundTripAndDeleteCascades,
                            APhoneNumberBelongsToOneOutletEvenUnderConcurrentCreation, OutletUpdatesOnlyWithinItsTenant,
                            ApiKeysBelongToTheirTenant);

}  // namespace wagate::store::conformance
