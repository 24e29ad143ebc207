#include "wagate/sandbox/messages/wamid_registry.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(WamidRegistryTest, RemembersTheNewestWamids) {
  WamidRegistry registry(2);
  registry.Add("wamid.A", {false, "text", "1"});
  registry.Add("wamid.B", {true, "image", "1"});
  EXPECT_EQ(registry.Find("wamid.A")->type, "text");
  EXPECT_TRUE(registry.Find("wamid.B")->inbound);
  registry.Add("wamid.C", {false, "reaction", "1"});
  EXPECT_FALSE(registry.Find("wamid.A").has_value());
  EXPECT_TRUE(registry.Find("wamid.C").has_value());
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_FALSE(registry.Find("wamid.Z").has_value());
}

}  // namespace
}  // namespace wagate::sandbox
